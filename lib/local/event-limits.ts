/**
 * The synchronous invoke payload limit (6 MiB): the serialized event an event-source mapping sends
 * must not exceed it. Its own module, so the bench can size its events without loading the Kafka
 * client the poller needs.
 */
export const MAX_EVENT_BYTES = 6_291_456;
