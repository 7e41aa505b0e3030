package io.meshwork.runtime.tracing;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/**
 * A log formatter that puts {@code trace=TRACE_ID span=SPAN_ID} before the message of a line logged
 * where a traced call is current, and otherwise formats as the formatter it wraps (by default
 * {@link SimpleFormatter}, with its {@code java.util.logging.SimpleFormatter.format}). With the ids
 * in the line, the log of any service leads to the trace of the job it was working on.
 *
 * <p>Named in a {@code logging.properties} ({@code java.util.logging.ConsoleHandler.formatter}) it
 * wraps a {@link SimpleFormatter}; {@link #install()} wraps the formatters of the root logger's
 * handlers, which a service does when its tracing is on.
 */
public final class TraceLogFormatter extends Formatter {
  private final Formatter wrapped;

  /** Wraps a {@link SimpleFormatter}: what {@code logging.properties} instantiates. */
  public TraceLogFormatter() {
    this(new SimpleFormatter());
  }

  /** Wraps {@code wrapped}. */
  public TraceLogFormatter(Formatter wrapped) {
    this.wrapped = wrapped;
  }

  /**
   * Wraps the formatter of every handler of the root logger, once: from then on, lines logged in a
   * traced call name their trace.
   */
  public static synchronized void install() {
    Logger root = LogManager.getLogManager().getLogger("");
    for (Handler handler : root.getHandlers()) {
      Formatter formatter = handler.getFormatter();
      if (!(formatter instanceof TraceLogFormatter)) {
        handler.setFormatter(new TraceLogFormatter(formatter));
      }
    }
  }

  @Override
  public String format(LogRecord record) {
    SpanContext span = Span.current().getSpanContext();
    if (!span.isValid()) {
      return wrapped.format(record);
    }
    return wrapped.format(traced(record, span));
  }

  /**
   * The same record with the ids before its message, which is localized and filled in first (a
   * copy: handlers share the record).
   */
  private LogRecord traced(LogRecord record, SpanContext span) {
    String prefix = "trace=" + span.getTraceId() + " span=" + span.getSpanId() + " ";
    LogRecord copy = new LogRecord(record.getLevel(), prefix + formatMessage(record));
    copy.setLoggerName(record.getLoggerName());
    copy.setSourceClassName(record.getSourceClassName());
    copy.setSourceMethodName(record.getSourceMethodName());
    copy.setThrown(record.getThrown());
    copy.setInstant(record.getInstant());
    copy.setLongThreadID(record.getLongThreadID());
    copy.setSequenceNumber(record.getSequenceNumber());
    return copy;
  }
}
