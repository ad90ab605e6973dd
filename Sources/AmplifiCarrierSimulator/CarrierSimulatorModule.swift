/// The Twilio-compatible carrier simulator server (`amplifi carrier-sim`).
public enum CarrierSimulatorModule {}
