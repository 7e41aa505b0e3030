package io.meshwork.runtime;

import java.nio.file.Path;

/**
 * A process that takes a data directory's lock and then waits to be killed, for {@link
 * DataDirectoryLockTest}: {@code DataDirectoryLockHolder DIR NAME}. It prints {@code locked} once
 * it holds the lock.
 */
final class DataDirectoryLockHolder {
  private DataDirectoryLockHolder() {}

  public static void main(String[] args) throws InterruptedException {
    DataDirectoryLock lock = DataDirectoryLock.acquire(Path.of(args[0]), args[1]);
    System.out.println("locked " + lock.file());
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE);
  }
}
