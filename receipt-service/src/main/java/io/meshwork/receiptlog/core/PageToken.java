package io.meshwork.receiptlog.core;

import io.meshwork.runtime.errors.MeshException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * The page tokens of {@code ListReceiptsByJob}: the index of the last leaf a page held, in an
 * opaque form that only says which listing issued it.
 */
final class PageToken {
  private static final String PREFIX = "after:";

  private PageToken() {}

  /** The token of the page after the leaf at {@code lastIndex}. */
  static String encode(long lastIndex) {
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString((PREFIX + lastIndex).getBytes(StandardCharsets.UTF_8));
  }

  /**
   * The index of the last leaf before the page {@code token} asks for.
   *
   * @throws MeshException INVALID_ARGUMENT {@code PAGE_TOKEN_INVALID} for a token the log did not
   *     issue
   */
  static long decode(String token) {
    try {
      String text = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
      if (text.startsWith(PREFIX)) {
        long index = Long.parseLong(text.substring(PREFIX.length()));
        if (index >= 0) {
          return index;
        }
      }
    } catch (IllegalArgumentException e) {
      // Falls through to the single error below: the cause does not help the caller.
    }
    throw MeshException.invalidArgument(
            "PAGE_TOKEN_INVALID", "page_token was not issued by ListReceiptsByJob")
        .with("field", "page_token");
  }
}
