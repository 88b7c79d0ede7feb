import { Admin } from '@platformatic/kafka';

/** Offsets keyed `topic-partition`, as the poller's `stats.committed` keys them. */
export type OffsetMap = Map<string, bigint>;

/** The end offset (the next offset to be written) of every partition of `topics`. */
export async function endOffsets(bootstrap: string, topics: readonly string[]): Promise<OffsetMap> {
  const admin = new Admin({ clientId: 'e2e-offsets', bootstrapBrokers: [bootstrap] });
  try {
    const metadata = await admin.metadata({ topics: [...topics], forceUpdate: true });
    const listed = await admin.listOffsets({
      topics: topics.map((name) => ({
        name,
        partitions: (metadata.topics.get(name)?.partitions ?? []).map((_, partitionIndex) => ({
          partitionIndex,
          // -1: the latest offset.
          timestamp: -1n,
        })),
      })),
    });
    const out: OffsetMap = new Map();
    for (const topic of listed) {
      for (const p of topic.partitions) out.set(`${topic.name}-${p.partitionIndex}`, p.offset);
    }
    return out;
  } finally {
    await admin.close().catch(() => {});
  }
}

/**
 * Sets a consumer group's committed offsets (the group must have no active member): how an
 * operator skips a record the sink refuses, as its error message suggests.
 */
export async function commitGroupOffsets(
  bootstrap: string,
  groupId: string,
  offsets: OffsetMap,
): Promise<void> {
  const byTopic = new Map<string, { partition: number; offset: bigint }[]>();
  for (const [key, offset] of offsets) {
    const cut = key.lastIndexOf('-');
    const topic = key.slice(0, cut);
    byTopic.set(topic, [...(byTopic.get(topic) ?? []), { partition: Number(key.slice(cut + 1)), offset }]);
  }
  const admin = new Admin({ clientId: 'e2e-offsets', bootstrapBrokers: [bootstrap] });
  try {
    await admin.alterConsumerGroupOffsets({
      groupId,
      topics: [...byTopic].map(([name, partitionOffsets]) => ({ name, partitionOffsets })),
    });
  } finally {
    await admin.close().catch(() => {});
  }
}
