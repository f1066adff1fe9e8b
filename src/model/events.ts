// Event counts a run produces (profile-independent hardware/software events). The model turns
// them into cycles and time; VM exits, injections and wake-ups are derived per profile.
export interface EventCounts {
  /** Frames that reached the path's final consumer. */
  packets: number;
  /** Bytes of those frames (without FCS). */
  bytes: number;
  /** Tail-register writes by a driver (once per burst). */
  doorbells: number;
  /** Device interrupts raised, under interrupt moderation (ITR) in simulator time. */
  interrupts: number;
  /** Software copies of frame data and the bytes they moved. */
  copies: number;
  bytesCopied: number;
  /** IOMMU translations the device needed for DMA (assigned devices only). */
  iotlbLookups: number;
  /** NIC embedded-switch (VEB) forwarding decisions. */
  switchLookups: number;
  /** Software learning-bridge look-ups. */
  bridgeLookups: number;
  /** Hops across an epair (one per epair traversal). */
  epairHops: number;
  /** Guest-to-backend virtqueue notifications sent, and those event-index suppressed. */
  kicks: number;
  kicksSuppressed: number;
  /** Backend-to-guest interrupts (used-ring notifications) sent, and those suppressed. */
  usedNotifications: number;
  usedSuppressed: number;
}

export function zeroCounts(): EventCounts {
  return {
    packets: 0,
    bytes: 0,
    doorbells: 0,
    interrupts: 0,
    copies: 0,
    bytesCopied: 0,
    iotlbLookups: 0,
    switchLookups: 0,
    bridgeLookups: 0,
    epairHops: 0,
    kicks: 0,
    kicksSuppressed: 0,
    usedNotifications: 0,
    usedSuppressed: 0,
  };
}

export function addCounts(a: EventCounts, b: EventCounts): EventCounts {
  const r = zeroCounts();
  for (const k of Object.keys(r) as (keyof EventCounts)[]) r[k] = a[k] + b[k];
  return r;
}
