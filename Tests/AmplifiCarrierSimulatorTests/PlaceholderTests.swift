import Testing

@Test func carrierSimulatorModuleBuilds() {}
