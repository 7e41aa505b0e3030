package io.meshwork.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.grpc.Attributes;
import io.grpc.CallCredentials;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.SecurityLevel;
import io.grpc.Status;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BearerCredentialsTest {
  private final Identity caller = Identity.generate();

  @Test
  void eachTokenIsAddressedToTheServiceTheCallGoesTo() throws Exception {
    Applied ledger = apply("meshwork.ledger.v1.LedgerService/GetAccount");
    Applied compute = apply("meshwork.compute.v1.ComputeService/SubmitJob");

    assertEquals("meshwork.ledger.v1.LedgerService", claims(ledger).get("aud"));
    assertEquals("meshwork.compute.v1.ComputeService", claims(compute).get("aud"));
    // The server side agrees: the token verifies at its own service and nowhere else.
    TokenVerifier verifier = new TokenVerifier(Clock.systemUTC());
    assertEquals(caller.did(), verifier.verify(ledger.token(), "meshwork.ledger.v1.LedgerService"));
  }

  @Test
  void aMethodWithoutAServiceGetsNoToken() {
    Applied applied = apply("NoServiceHere");
    assertNull(applied.headers);
    assertNotNull(applied.failure);
    assertEquals(Status.Code.UNAUTHENTICATED, applied.failure.getCode());
  }

  private Applied apply(String fullMethodName) {
    MethodDescriptor<String, String> method =
        MethodDescriptor.<String, String>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY)
            .setFullMethodName(fullMethodName)
            .setRequestMarshaller(TEXT)
            .setResponseMarshaller(TEXT)
            .build();
    Applied applied = new Applied();
    new BearerCredentials(caller)
        .applyRequestMetadata(
            new CallCredentials.RequestInfo() {
              @Override
              public MethodDescriptor<?, ?> getMethodDescriptor() {
                return method;
              }

              @Override
              public SecurityLevel getSecurityLevel() {
                return SecurityLevel.NONE;
              }

              @Override
              public String getAuthority() {
                return "localhost";
              }

              @Override
              public Attributes getTransportAttrs() {
                return Attributes.EMPTY;
              }
            },
            Runnable::run,
            applied);
    return applied;
  }

  private static Map<String, Object> claims(Applied applied) throws Exception {
    String part = applied.token().split("\\.")[1];
    return TokenJson.parseObject(
        new String(Base64.getUrlDecoder().decode(part), StandardCharsets.UTF_8));
  }

  private static final class Applied extends CallCredentials.MetadataApplier {
    Metadata headers;
    Status failure;

    @Override
    public void apply(Metadata headers) {
      this.headers = headers;
    }

    @Override
    public void fail(Status status) {
      this.failure = status;
    }

    String token() {
      return headers.get(BearerCredentials.AUTHORIZATION).substring("Bearer ".length());
    }
  }

  private static final MethodDescriptor.Marshaller<String> TEXT =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(String value) {
          return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String parse(InputStream stream) {
          throw new UnsupportedOperationException();
        }
      };
}
