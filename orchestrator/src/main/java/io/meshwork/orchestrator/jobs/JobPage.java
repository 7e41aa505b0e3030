package io.meshwork.orchestrator.jobs;

import io.meshwork.runtime.errors.MeshException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * One page of a job listing, and the rules of its requests: how large a page may be, and the token
 * that names where the next page starts (opaque to clients; here, the last job's {@link
 * JobListing.Position} in base64url).
 *
 * @param jobs the jobs in listing order
 * @param nextPageToken the token of the page after this one; "" after the last page
 */
public record JobPage(List<JobStatus> jobs, String nextPageToken) {
  /** The page size of a request that names none. */
  public static final int DEFAULT_SIZE = 100;

  /** The largest page a request may ask for. */
  public static final int MAX_SIZE = 1000;

  /** The page size a request asks for, 0 meaning the default; refused outside 1 to 1000. */
  static int size(long asked) {
    if (asked == 0) {
      return DEFAULT_SIZE;
    }
    if (asked < 1 || asked > MAX_SIZE) {
      throw MeshException.invalidArgument(
              "PAGE_SIZE_OUT_OF_RANGE",
              "page_size must be from 1 to "
                  + MAX_SIZE
                  + " (0 for "
                  + DEFAULT_SIZE
                  + "), got "
                  + asked)
          .with("field", "page_size");
    }
    return (int) asked;
  }

  /** The token of the page that starts after {@code last}. */
  static String token(JobListing.Position last) {
    String text = last.submittedAt() + ":" + last.jobId();
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }

  /** Where the page a token names starts; empty for the first page ("" token). */
  static Optional<JobListing.Position> after(String token) {
    if (token.isEmpty()) {
      return Optional.empty();
    }
    try {
      String text = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
      int colon = text.indexOf(':');
      if (colon > 0 && colon < text.length() - 1) {
        return Optional.of(
            new JobListing.Position(
                Long.parseLong(text.substring(0, colon)), text.substring(colon + 1)));
      }
    } catch (IllegalArgumentException e) {
      // Not base64url or not a number: refused below like any other token not made here.
    }
    throw MeshException.invalidArgument(
            "BAD_PAGE_TOKEN",
            "page_token is not one a ListJobs answer gave; start again with an empty token")
        .with("field", "page_token");
  }
}
