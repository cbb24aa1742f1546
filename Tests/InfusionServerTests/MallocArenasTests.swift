import InfusionServer
import Testing

@Suite("glibc malloc arena limit")
struct MallocArenasTests {
    @Test("the limit is set through mallopt when the environment leaves it open")
    func setsLimit() {
        #if canImport(Glibc)
        #expect(MallocArenas.limit(environment: [:]))
        #endif
    }

    @Test("an operator's MALLOC_ARENA_MAX is left alone")
    func respectsEnvironment() {
        #expect(!MallocArenas.limit(environment: ["MALLOC_ARENA_MAX": "8"]))
    }
}
