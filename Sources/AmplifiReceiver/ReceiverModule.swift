/// The receiver of signed status callbacks and inbound messages (`amplifi receiver`).
public enum ReceiverModule {}
