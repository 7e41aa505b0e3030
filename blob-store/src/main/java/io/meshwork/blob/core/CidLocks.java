package io.meshwork.blob.core;

import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * Serialises what is done to one CID's bytes and catalog row together: storing a blob (bytes first,
 * then the row) and removing one (row first, then the bytes). Without it, a removal could delete
 * the bytes of a blob that an upload of the same content has just stored again. Striped, so
 * unrelated CIDs rarely wait for each other and the memory is fixed.
 */
final class CidLocks {
  private final ReentrantLock[] stripes = new ReentrantLock[64];

  CidLocks() {
    for (int i = 0; i < stripes.length; i++) {
      stripes[i] = new ReentrantLock();
    }
  }

  <T> T with(String cid, Supplier<T> work) {
    ReentrantLock lock = stripes[Math.floorMod(cid.hashCode(), stripes.length)];
    lock.lock();
    try {
      return work.get();
    } finally {
      lock.unlock();
    }
  }
}
