package io.meshwork.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.ErrorInfo;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.protobuf.StatusProto;
import io.meshwork.identity.BearerCredentials;
import io.meshwork.identity.Identity;
import io.meshwork.runtime.auth.AccessTable;
import io.meshwork.runtime.auth.Caller;
import io.meshwork.runtime.auth.Role;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Walks a running service's authorization table as docs/AUTH.md writes it: every RPC of the
 * service, called by a caller in every role the service knows and by a caller with no token, must
 * be let through exactly when the document's row says so.
 *
 * <p>The expected table is parsed from the markdown, not taken from the code's declaration, so the
 * document a client in another language works from is what is tested. "Let through" means the call
 * reached the service: it succeeded or failed for a reason of the service's own (an empty request
 * is refused as INVALID_ARGUMENT, an unknown job as NOT_FOUND); a refused call must be
 * PERMISSION_DENIED with {@code ROLE_REQUIRED} naming the roles of the row and the caller's.
 */
public final class AccessWalk {
  /** Where the document is, seen from a module's directory, where its tests run. */
  public static final Path AUTH_DOC = Path.of("..", "docs", "AUTH.md");

  /**
   * A caller of the walk.
   *
   * @param name how failures name it ("orchestrator", "a stranger")
   * @param identity its key
   * @param roles its roles at the service walked, as the service was configured
   */
  public record Party(String name, Identity identity, Set<Role> roles) {
    /** Every caller is a user. */
    public Party {
      EnumSet<Role> all = EnumSet.of(Role.USER);
      all.addAll(roles);
      roles = Set.copyOf(all);
    }
  }

  private AccessWalk() {}

  /**
   * The rows of {@code serviceName}'s table in docs/AUTH.md: each RPC and who may call it.
   *
   * @throws AssertionError if the document has no table for the service or a row names no role
   */
  public static Map<String, AccessTable.Rule> documented(String serviceName) {
    List<String> lines;
    try {
      lines = Files.readAllLines(AUTH_DOC);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Map<String, AccessTable.Rule> rows = new LinkedHashMap<>();
    boolean inSection = false;
    for (String line : lines) {
      if (line.startsWith("#")) {
        inSection = line.contains("`" + serviceName + "`");
      } else if (inSection && line.startsWith("| `")) {
        String[] cells = line.split("\\|", -1);
        String method = cells[1].replace("`", "").strip();
        String who = cells[2].replace("`", "").replace("*", "").strip();
        if (who.equals("public")) {
          rows.put(method, new AccessTable.Rule(true, Set.of()));
        } else {
          Set<Role> roles = EnumSet.noneOf(Role.class);
          for (String name : who.split(",")) {
            roles.add(
                Role.fromWireName(name.strip())
                    .orElseThrow(
                        () ->
                            new AssertionError(
                                AUTH_DOC + ": the row of " + method + " names no role: " + name)));
          }
          rows.put(method, new AccessTable.Rule(false, roles));
        }
      }
    }
    assertTrue(!rows.isEmpty(), AUTH_DOC + " has no table under a heading naming " + serviceName);
    return rows;
  }

  /**
   * Calls every RPC of {@code service} over {@code channel} as each of {@code parties} and with no
   * token, and fails listing every call whose outcome disagrees with the document's table.
   */
  public static void walk(Channel channel, ServiceDescriptor service, List<Party> parties) {
    Map<String, AccessTable.Rule> table = documented(service.getName());
    Set<String> rpcs =
        service.getMethods().stream()
            .map(MethodDescriptor::getBareMethodName)
            .collect(Collectors.toCollection(TreeSet::new));
    assertEquals(
        rpcs,
        new TreeSet<>(table.keySet()),
        AUTH_DOC + " must have one row for every RPC of " + service.getName());

    List<String> problems = new ArrayList<>();
    for (MethodDescriptor<?, ?> method : service.getMethods()) {
      AccessTable.Rule rule = table.get(method.getBareMethodName());
      Outcome anonymous = call(channel, method, null);
      if (rule.open() ? !anonymous.reached() : anonymous.code() != Status.Code.UNAUTHENTICATED) {
        problems.add(method.getBareMethodName() + " without a token: " + anonymous);
      }
      for (Party party : parties) {
        Outcome outcome = call(channel, method, party.identity());
        if (rule.allows(party.roles())) {
          if (!outcome.reached()) {
            problems.add(
                method.getBareMethodName() + " by " + party.name() + " was refused: " + outcome);
          }
        } else if (outcome.code() != Status.Code.PERMISSION_DENIED
            || !outcome.reason().equals("ROLE_REQUIRED")
            || !outcome.metadata().getOrDefault("allowed_roles", "").equals(names(rule))
            || !outcome.metadata().getOrDefault("caller_roles", "").equals(names(party))) {
          problems.add(
              method.getBareMethodName()
                  + " by "
                  + party.name()
                  + " should be ROLE_REQUIRED naming "
                  + Caller.names(rule.roles())
                  + ": "
                  + outcome);
        }
      }
    }
    if (!problems.isEmpty()) {
      fail(
          service.getName()
              + " does not enforce the table of "
              + AUTH_DOC
              + ":\n"
              + String.join("\n", problems));
    }
  }

  private static String names(AccessTable.Rule rule) {
    return Caller.names(rule.roles());
  }

  private static String names(Party party) {
    return Caller.names(party.roles());
  }

  /** How one call ended. */
  private record Outcome(
      Status.Code code, String description, String reason, Map<String, String> metadata) {
    /**
     * Whether the call got past the access check: it succeeded, or failed for a reason of the
     * service's own.
     */
    boolean reached() {
      return switch (code) {
        case UNAUTHENTICATED, UNIMPLEMENTED -> false;
        case PERMISSION_DENIED -> !reason.equals("ROLE_REQUIRED");
        case RESOURCE_EXHAUSTED -> !reason.startsWith("REPLAY_");
        default -> true;
      };
    }

    @Override
    public String toString() {
      return code
          + (reason.isEmpty() ? "" : " " + reason)
          + " "
          + metadata
          + " ("
          + description
          + ")";
    }
  }

  /**
   * Calls {@code method} once with its empty request, as {@code caller} (or with no token), and
   * waits for the end. A streaming call that sends a message has reached the service and is
   * cancelled there.
   */
  @SuppressWarnings("unchecked")
  private static Outcome call(Channel channel, MethodDescriptor<?, ?> method, Identity caller) {
    MethodDescriptor<Object, Object> m = (MethodDescriptor<Object, Object>) method;
    Object request =
        ((MethodDescriptor.PrototypeMarshaller<Object>) m.getRequestMarshaller())
            .getMessagePrototype();
    CallOptions options = CallOptions.DEFAULT.withDeadlineAfter(20, TimeUnit.SECONDS);
    if (caller != null) {
      options = options.withCallCredentials(new BearerCredentials(caller));
    }
    ClientCall<Object, Object> call = channel.newCall(m, options);
    CompletableFuture<Outcome> done = new CompletableFuture<>();
    call.start(
        new ClientCall.Listener<>() {
          @Override
          public void onMessage(Object message) {
            done.complete(new Outcome(Status.Code.OK, "answered", "", Map.of()));
            call.cancel("the walk has its answer", null);
          }

          @Override
          public void onClose(Status status, Metadata trailers) {
            done.complete(outcome(status, trailers));
          }
        },
        new Metadata());
    call.request(1);
    call.sendMessage(request);
    call.halfClose();
    return done.join();
  }

  private static Outcome outcome(Status status, Metadata trailers) {
    com.google.rpc.Status detail = StatusProto.fromStatusAndTrailers(status, trailers);
    if (detail != null) {
      for (Any any : detail.getDetailsList()) {
        if (any.is(ErrorInfo.class)) {
          try {
            ErrorInfo info = any.unpack(ErrorInfo.class);
            return new Outcome(
                status.getCode(), status.getDescription(), info.getReason(), info.getMetadataMap());
          } catch (InvalidProtocolBufferException e) {
            throw new AssertionError(e);
          }
        }
      }
    }
    return new Outcome(status.getCode(), status.getDescription(), "", Map.of());
  }
}
