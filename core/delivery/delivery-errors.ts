/** The provider is down or slow: worth retrying. */
export class TransientDeliveryError extends Error {
  override name = 'TransientDeliveryError';
}

/** The provider refused for good (bad number, no balance, bad credentials): retrying changes nothing. */
export class PermanentDeliveryError extends Error {
  override name = 'PermanentDeliveryError';
}
