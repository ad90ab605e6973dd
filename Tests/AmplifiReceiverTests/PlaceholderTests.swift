import Testing

@Test func receiverModuleBuilds() {}
