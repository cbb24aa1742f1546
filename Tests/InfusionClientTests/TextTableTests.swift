import Testing

@testable import InfusionClient

@Suite("TextTable")
struct TextTableTests {
    @Test func alignsColumnsUnderTheirHeaders() {
        var table = TextTable(columns: [.init("ID", alignment: .right), .init("RULE"), .init("REASON")])
        table.append(["7", "L10", "Tinnitus reported."])
        table.append(["12", "L11", "Tinnitus and perioral numbness."])
        #expect(
            table.render() == """
                ID  RULE  REASON
                 7  L10   Tinnitus reported.
                12  L11   Tinnitus and perioral numbness.
                """)
    }

    @Test func leavesNoTrailingSpaces() {
        var table = TextTable("A", "B")
        table.append(["long value", ""])
        for line in table.render().split(separator: "\n") {
            #expect(line.last != " ")
        }
    }

    @Test func withoutHeaderAndIndented() {
        var table = TextTable(columns: [.init(""), .init("")], showsHeader: false, indent: 2)
        table.append(["Patient", "MRN-0042"])
        table.append(["Dosing weight", "actual, 70 kg"])
        #expect(
            table.render() == """
                  Patient        MRN-0042
                  Dosing weight  actual, 70 kg
                """)
    }

    @Test func fillsMissingCellsAndFoldsExtraOnes() {
        var table = TextTable("A", "B")
        table.append(["1"])
        table.append(["2", "x", "y"])
        #expect(table.rows == [["1", ""], ["2", "x y"]])
    }

    @Test func keepsEachRowOnOneLine() {
        var table = TextTable("NOTE")
        table.append(["first\nsecond\tthird"])
        #expect(table.render() == "NOTE\nfirst second third")
    }

    @Test func emptyTableIsJustTheHeader() {
        let table = TextTable("ID", "STATE")
        #expect(table.isEmpty)
        #expect(table.render() == "ID  STATE")
    }
}
