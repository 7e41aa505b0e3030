package io.meshwork.ledger.core;

import java.util.List;

/**
 * One page of an account's history, newest entry first.
 *
 * @param entries the entries of this page
 * @param nextPageToken what to pass to get the next page; "" on the last page
 */
public record HistoryPage(List<HistoryEntry> entries, String nextPageToken) {
  /** Copies the list so a page cannot change after it is returned. */
  public HistoryPage {
    entries = List.copyOf(entries);
  }
}
