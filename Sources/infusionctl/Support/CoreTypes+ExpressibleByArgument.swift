import ArgumentParser
import InfusionCore

extension Drug: ExpressibleByArgument {}
extension Sex: ExpressibleByArgument {}
extension DosingWeightKind: ExpressibleByArgument {}
extension Rhythm: ExpressibleByArgument {}
extension Symptom: ExpressibleByArgument {}
extension SessionActionKind: ExpressibleByArgument {}
extension AlertState: ExpressibleByArgument {}
