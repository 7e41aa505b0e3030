package io.meshwork.runtime.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.StringValue;
import com.google.rpc.ErrorInfo;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.MethodDescriptor.MethodType;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.meshwork.identity.BearerCredentials;
import io.meshwork.identity.Identity;
import io.meshwork.runtime.MeshService;
import io.meshwork.runtime.ServiceHost;
import io.meshwork.runtime.ServiceMetrics;
import io.meshwork.runtime.SharedSettings;
import io.meshwork.runtime.auth.AccessTable;
import io.meshwork.runtime.auth.Role;
import io.meshwork.runtime.config.MapSettings;
import io.meshwork.runtime.config.SettingsSchema;
import io.meshwork.runtime.errors.ErrorMapping;
import io.meshwork.runtime.errors.MeshException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Handlers that fail in every way a handler can, served by {@link ServiceHost} with the production
 * interceptors over the in-process transport: each caller gets the status {@link ErrorMapping}
 * gives, and grpc-java's own fallback (UNKNOWN and a logged stack trace) never runs.
 */
class ErrorMappingInterceptorTest {
  private static final String SERVICE = "meshwork.test.Failures";
  private static final MethodDescriptor.Marshaller<StringValue> TEXT =
      ProtoUtils.marshaller(StringValue.getDefaultInstance());

  private static final MethodDescriptor<StringValue, StringValue> REFUSE =
      method("Refuse", MethodType.UNARY);
  private static final MethodDescriptor<StringValue, StringValue> CRASH =
      method("Crash", MethodType.UNARY);
  private static final MethodDescriptor<StringValue, StringValue> ANSWER_THEN_THROW =
      method("AnswerThenThrow", MethodType.UNARY);
  private static final MethodDescriptor<StringValue, StringValue> STREAM_THEN_THROW =
      method("StreamThenThrow", MethodType.SERVER_STREAMING);
  private static final MethodDescriptor<StringValue, StringValue> STREAM_THEN_FAIL_LATER =
      method("StreamThenFailLater", MethodType.SERVER_STREAMING);
  private static final MethodDescriptor<StringValue, StringValue> COMPLETE_THEN_FAIL_LATER =
      method("CompleteThenFailLater", MethodType.SERVER_STREAMING);
  private static final MethodDescriptor<StringValue, StringValue> COLLECT =
      method("Collect", MethodType.CLIENT_STREAMING);
  private static final MethodDescriptor<StringValue, StringValue> REFUSE_AT_START =
      method("RefuseAtStart", MethodType.CLIENT_STREAMING);
  private static final MethodDescriptor<StringValue, StringValue> ECHO =
      method("Echo", MethodType.BIDI_STREAMING);

  @TempDir Path dataDir;

  private final Identity caller = Identity.generate();
  private final CountingMetrics metrics = new CountingMetrics();
  private final LogRecorder interceptorLog =
      LogRecorder.on(Logger.getLogger(ErrorMappingInterceptor.class.getName()));
  private final LogRecorder mappingLog =
      LogRecorder.on(Logger.getLogger(ErrorMapping.class.getName()));
  // grpc-java logs an exception that reaches ServerImpl as "Exception while executing runnable".
  private final LogRecorder grpcLog = LogRecorder.on(Logger.getLogger("io.grpc"));
  // Set by the handlers that fail on a thread of their own once Rpc.fail has returned.
  private final CompletableFuture<Void> lateFailure = new CompletableFuture<>();
  private ServiceHost host;
  private ManagedChannel channel;

  @BeforeEach
  void start() {
    String name = InProcessServerBuilder.generateName();
    ServerServiceDefinition failures = failures();
    AccessTable.Builder everyone = AccessTable.forService(failures.getServiceDescriptor());
    failures
        .getServiceDescriptor()
        .getMethods()
        .forEach(m -> everyone.allow(m.getBareMethodName(), Role.USER));
    MeshService service = () -> List.of(everyone.build().guard(() -> failures));
    host =
        ServiceHost.start(
            "failures",
            SettingsSchema.of("failures", SharedSettings.ALL),
            new MapSettings(Map.of("data-dir", dataDir.toString())),
            context -> service,
            InProcessServerBuilder.forName(name),
            target -> InProcessChannelBuilder.forName(target).build(),
            metrics,
            Clock.systemUTC());
    channel = InProcessChannelBuilder.forName(name).build();
  }

  @AfterEach
  void stop() {
    channel.shutdownNow();
    host.close();
    interceptorLog.close();
    mappingLog.close();
    grpcLog.close();
    assertEquals(List.of(), grpcLog.messages(Level.WARNING), "grpc-java's fallback ran");
  }

  @Test
  void aUnaryHandlerThatThrowsAMeshExceptionGivesItsCodeReasonAndMetadata() {
    StatusRuntimeException e =
        assertThrows(StatusRuntimeException.class, () -> unary(REFUSE, "job-7"));

    assertEquals(Status.Code.FAILED_PRECONDITION, e.getStatus().getCode());
    assertEquals("job job-7 has finished", e.getStatus().getDescription());
    ErrorInfo info = errorInfo(e);
    assertEquals("JOB_FINISHED", info.getReason());
    assertEquals(ErrorMapping.DOMAIN, info.getDomain());
    assertEquals(Map.of("job_id", "job-7"), info.getMetadataMap());
    // The status passes out through the metrics interceptor as mapped.
    assertEquals(1, metrics.calls(REFUSE, "FAILED_PRECONDITION"));
    assertEquals(0, metrics.calls(REFUSE, "UNKNOWN"));
  }

  @Test
  void anUnexpectedExceptionIsInternalWithNoStackTraceForTheCallerButOneInTheLog() {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> unary(CRASH, "x"));

    assertEquals(Status.Code.INTERNAL, e.getStatus().getCode());
    assertEquals("internal error (IllegalStateException)", e.getStatus().getDescription());
    assertEquals("INTERNAL", errorInfo(e).getReason());
    assertEquals(Map.of(), errorInfo(e).getMetadataMap());
    // Neither the message (which may hold internal detail) nor a frame travels to the caller.
    String everything = e.getStatus() + " " + e.getTrailers();
    assertFalse(everything.contains("secret"), everything);
    assertFalse(everything.contains("ErrorMappingInterceptorTest"), everything);
    assertNotNull(e.getStatus().getDescription());
    assertEquals(1, metrics.calls(CRASH, "INTERNAL"));
    // The server's log has what the caller was not given.
    LogRecord logged = mappingLog.awaitOne(Level.SEVERE);
    assertTrue(logged.getThrown() instanceof IllegalStateException);
    assertEquals("secret: the index is at 42", logged.getThrown().getMessage());
  }

  @Test
  void aServerStreamThatThrowsAfterSomeMessagesEndsWithTheMappedStatus() {
    Iterator<StringValue> answers =
        ClientCalls.blockingServerStreamingCall(
            channel, STREAM_THEN_THROW, options(), text("three"));
    List<String> received = new ArrayList<>();
    StatusRuntimeException e =
        assertThrows(
            StatusRuntimeException.class,
            () -> answers.forEachRemaining(a -> received.add(a.getValue())));

    assertEquals(List.of("one", "two"), received);
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
    assertEquals("OUT_OF_WORDS", errorInfo(e).getReason());
    assertEquals(Map.of("asked", "three"), errorInfo(e).getMetadataMap());
  }

  @Test
  void aServerStreamFailedLaterFromAnotherThreadThroughRpcFailGetsTheMappedStatus()
      throws Exception {
    Iterator<StringValue> answers =
        ClientCalls.blockingServerStreamingCall(
            channel, STREAM_THEN_FAIL_LATER, options(), text("a"));
    assertEquals("started", answers.next().getValue());
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, answers::next);

    assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
    assertEquals("LEDGER_UNAVAILABLE", errorInfo(e).getReason());
    lateFailure.get(5, TimeUnit.SECONDS);
  }

  @Test
  void aClientStreamThatThrowsInOnNextGetsTheMappedStatus() throws Exception {
    Recorder answers = new Recorder();
    StreamObserver<StringValue> requests =
        ClientCalls.asyncClientStreamingCall(channel.newCall(COLLECT, options()), answers);
    requests.onNext(text("fine"));
    requests.onNext(text("bad"));
    requests.onCompleted();

    StatusRuntimeException e = answers.failure();
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertEquals("BAD_WORD", errorInfo(e).getReason());
    assertEquals(Map.of("word", "bad", "index", "1"), errorInfo(e).getMetadataMap());
    assertEquals(List.of(), answers.values);
  }

  @Test
  void aBidiStreamThatThrowsInOnNextGetsTheMappedStatusAfterItsEarlierAnswers() throws Exception {
    Recorder answers = new Recorder();
    StreamObserver<StringValue> requests =
        ClientCalls.asyncBidiStreamingCall(channel.newCall(ECHO, options()), answers);
    requests.onNext(text("hello"));
    requests.onNext(text("bad"));
    requests.onNext(text("never echoed"));
    requests.onCompleted();

    StatusRuntimeException e = answers.failure();
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertEquals("BAD_WORD", errorInfo(e).getReason());
    assertEquals(List.of("hello"), answers.values);
  }

  @Test
  void aStreamingHandlerThatThrowsBeforeReturningItsObserverGetsTheMappedStatus() throws Exception {
    Recorder answers = new Recorder();
    StreamObserver<StringValue> requests =
        ClientCalls.asyncClientStreamingCall(channel.newCall(REFUSE_AT_START, options()), answers);
    requests.onNext(text("anything"));
    requests.onCompleted();

    StatusRuntimeException e = answers.failure();
    assertEquals(Status.Code.PERMISSION_DENIED, e.getStatus().getCode());
    assertEquals("NOT_YOURS", errorInfo(e).getReason());
  }

  @Test
  void aThrowAfterTheCallClosedIsLoggedAndNeitherCrashesNorClosesAgain() {
    assertEquals("answered", unary(ANSWER_THEN_THROW, "x").getValue());

    LogRecord late = interceptorLog.awaitOne(Level.WARNING);
    assertEquals("thrown after answering", late.getThrown().getMessage());
    assertEquals(1, metrics.calls(ANSWER_THEN_THROW, "OK"));
    assertEquals(1, metrics.allCalls(ANSWER_THEN_THROW));
    // The server goes on serving.
    assertEquals("answered", unary(ANSWER_THEN_THROW, "y").getValue());
  }

  @Test
  void rpcFailAfterTheCallCompletedLeavesItCompleted() throws Exception {
    Iterator<StringValue> answers =
        ClientCalls.blockingServerStreamingCall(
            channel, COMPLETE_THEN_FAIL_LATER, options(), text("a"));
    assertEquals("done", answers.next().getValue());
    assertFalse(answers.hasNext());

    // Rpc.fail returned normally although the call had closed (grpc-java alone would throw).
    lateFailure.get(5, TimeUnit.SECONDS);
    assertEquals(1, metrics.allCalls(COMPLETE_THEN_FAIL_LATER));
    assertEquals(1, metrics.calls(COMPLETE_THEN_FAIL_LATER, "OK"));
  }

  /** The test service; its handlers fail the ways this test is about. */
  private ServerServiceDefinition failures() {
    return ServerServiceDefinition.builder(SERVICE)
        .addMethod(
            REFUSE,
            ServerCalls.asyncUnaryCall(
                (request, observer) -> {
                  throw MeshException.failedPrecondition(
                          "JOB_FINISHED", "job " + request.getValue() + " has finished")
                      .with("job_id", request.getValue());
                }))
        .addMethod(
            CRASH,
            ServerCalls.asyncUnaryCall(
                (request, observer) ->
                    Rpc.unary(
                        observer,
                        () -> {
                          throw new IllegalStateException("secret: the index is at 42");
                        })))
        .addMethod(
            ANSWER_THEN_THROW,
            ServerCalls.asyncUnaryCall(
                (request, observer) -> {
                  Rpc.unary(observer, () -> text("answered"));
                  throw new IllegalStateException("thrown after answering");
                }))
        .addMethod(
            STREAM_THEN_THROW,
            ServerCalls.asyncServerStreamingCall(
                (request, observer) -> {
                  observer.onNext(text("one"));
                  observer.onNext(text("two"));
                  throw new MeshException(
                          MeshException.Kind.RESOURCE_EXHAUSTED,
                          "OUT_OF_WORDS",
                          "only two words to give")
                      .with("asked", request.getValue());
                }))
        .addMethod(
            STREAM_THEN_FAIL_LATER,
            ServerCalls.asyncServerStreamingCall(
                (request, observer) -> {
                  observer.onNext(text("started"));
                  failLater(
                      observer,
                      MeshException.unavailable(
                          "LEDGER_UNAVAILABLE",
                          "the ledger did not answer",
                          Status.DEADLINE_EXCEEDED.asRuntimeException()));
                }))
        .addMethod(
            COMPLETE_THEN_FAIL_LATER,
            ServerCalls.asyncServerStreamingCall(
                (request, observer) -> {
                  observer.onNext(text("done"));
                  observer.onCompleted();
                  failLater(observer, new IllegalStateException("too late to report"));
                }))
        .addMethod(
            COLLECT,
            ServerCalls.asyncClientStreamingCall(observer -> new WordChecker(observer, false)))
        .addMethod(
            REFUSE_AT_START,
            ServerCalls.asyncClientStreamingCall(
                observer -> {
                  throw MeshException.permissionDenied("NOT_YOURS", "this stream is not yours");
                }))
        .addMethod(
            ECHO, ServerCalls.asyncBidiStreamingCall(observer -> new WordChecker(observer, true)))
        .build();
  }

  /** Fails {@code observer} from a thread of its own, as a worker or a subscription would. */
  private void failLater(StreamObserver<StringValue> observer, Throwable failure) {
    Thread.ofVirtual()
        .start(
            () -> {
              try {
                Rpc.fail(observer, failure);
                lateFailure.complete(null);
              } catch (Throwable t) {
                lateFailure.completeExceptionally(t);
              }
            });
  }

  /** Refuses the word "bad" by throwing; echoes the others when {@code echo}. */
  private static final class WordChecker implements StreamObserver<StringValue> {
    private final StreamObserver<StringValue> out;
    private final boolean echo;
    private int index;

    WordChecker(StreamObserver<StringValue> out, boolean echo) {
      this.out = out;
      this.echo = echo;
    }

    @Override
    public void onNext(StringValue word) {
      if (word.getValue().equals("bad")) {
        throw MeshException.invalidArgument("BAD_WORD", "a word is not accepted")
            .with("word", word.getValue())
            .with("index", index);
      }
      index++;
      if (echo) {
        out.onNext(word);
      }
    }

    @Override
    public void onError(Throwable t) {}

    @Override
    public void onCompleted() {
      out.onNext(text(index + " words"));
      out.onCompleted();
    }
  }

  private StringValue unary(MethodDescriptor<StringValue, StringValue> method, String value) {
    return ClientCalls.blockingUnaryCall(channel, method, options(), text(value));
  }

  private CallOptions options() {
    return CallOptions.DEFAULT
        .withCallCredentials(new BearerCredentials(caller))
        .withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  private static MethodDescriptor<StringValue, StringValue> method(String name, MethodType type) {
    return MethodDescriptor.<StringValue, StringValue>newBuilder()
        .setType(type)
        .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, name))
        .setRequestMarshaller(TEXT)
        .setResponseMarshaller(TEXT)
        .build();
  }

  private static StringValue text(String value) {
    return StringValue.of(value);
  }

  private static ErrorInfo errorInfo(StatusRuntimeException e) {
    com.google.rpc.Status status = StatusProto.fromThrowable(e);
    assertNotNull(status, "the status carries no details");
    assertEquals(1, status.getDetailsCount());
    try {
      return status.getDetails(0).unpack(ErrorInfo.class);
    } catch (com.google.protobuf.InvalidProtocolBufferException x) {
      throw new AssertionError(x);
    }
  }

  /** What one streaming call answered and how it ended. */
  private static final class Recorder implements StreamObserver<StringValue> {
    final List<String> values = new CopyOnWriteArrayList<>();
    final CompletableFuture<Void> end = new CompletableFuture<>();

    @Override
    public void onNext(StringValue value) {
      values.add(value.getValue());
    }

    @Override
    public void onError(Throwable t) {
      end.completeExceptionally(t);
    }

    @Override
    public void onCompleted() {
      end.complete(null);
    }

    StatusRuntimeException failure() throws Exception {
      ExecutionException e =
          assertThrows(ExecutionException.class, () -> end.get(10, TimeUnit.SECONDS));
      assertSame(StatusRuntimeException.class, e.getCause().getClass());
      return (StatusRuntimeException) e.getCause();
    }
  }

  /** Counts calls as {@link CallMetricsInterceptor} reports them, by method and code. */
  private static final class CountingMetrics implements ServiceMetrics {
    private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();

    @Override
    public Counter counter(String name, String description, String... tags) {
      LongAdder count = counts.computeIfAbsent(name + List.of(tags), k -> new LongAdder());
      return count::add;
    }

    @Override
    public Timer timer(String name, String description, String... tags) {
      return nanos -> {};
    }

    @Override
    public void gauge(String name, String description, java.util.function.DoubleSupplier v) {}

    long calls(MethodDescriptor<?, ?> method, String code) {
      LongAdder count =
          counts.get(
              "meshwork.grpc.server.calls"
                  + List.of("method", method.getFullMethodName(), "code", code));
      return count == null ? 0 : count.sum();
    }

    long allCalls(MethodDescriptor<?, ?> method) {
      long sum = 0;
      for (Status.Code code : Status.Code.values()) {
        sum += calls(method, code.name());
      }
      return sum;
    }
  }

  /** Keeps the records one logger publishes while a test runs. */
  private static final class LogRecorder extends Handler {
    private final Logger logger;
    private final List<LogRecord> records = new CopyOnWriteArrayList<>();

    private LogRecorder(Logger logger) {
      this.logger = logger;
    }

    static LogRecorder on(Logger logger) {
      LogRecorder recorder = new LogRecorder(logger);
      logger.addHandler(recorder);
      return recorder;
    }

    @Override
    public void publish(LogRecord record) {
      records.add(record);
    }

    @Override
    public void flush() {}

    @Override
    public void close() {
      logger.removeHandler(this);
    }

    List<String> messages(Level atLeast) {
      return records.stream()
          .filter(r -> r.getLevel().intValue() >= atLeast.intValue())
          .map(r -> r.getLevel() + " " + r.getLoggerName() + ": " + r.getMessage())
          .toList();
    }

    /** The one record at {@code level}, waiting for it: handlers log after the caller returned. */
    LogRecord awaitOne(Level level) {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (System.nanoTime() < deadline) {
        List<LogRecord> found = records.stream().filter(r -> r.getLevel() == level).toList();
        if (!found.isEmpty()) {
          assertEquals(1, found.size(), () -> messages(level).toString());
          return found.get(0);
        }
        try {
          Thread.sleep(10);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
      throw new AssertionError("nothing was logged at " + level);
    }
  }
}
