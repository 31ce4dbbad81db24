package io.streamtrain.io;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Path;

/**
 * What the line-oriented file readers share: the file opened (gzip or not) with a count of the bytes read, line
 * numbers, and the loop that turns each line into a sample or reports it malformed with its line number and reason.
 * Sample i (counting well-formed lines only) gets the event time start + i * step unless its line names one.
 */
abstract class LineSampleReader implements SampleReader {
  final Inputs.Opened input;
  final BufferedReader reader;
  final ReaderOptions options;
  private final MalformedListener listener;
  long lineNumber;
  private long malformed;
  private long produced;

  LineSampleReader(Path file, ReaderOptions options, MalformedListener listener) throws IOException {
    this.input = Inputs.open(file);
    this.reader = input.reader();
    this.options = options;
    this.listener = listener;
  }

  @Override
  public final boolean next(MutableSample into) throws IOException {
    String line;
    while ((line = reader.readLine()) != null) {
      lineNumber++;
      String content = content(line);
      if (content == null) {
        continue;
      }
      String problem = parse(content, into);
      if (problem == null) {
        accepted();
        produced++;
        return true;
      }
      malformed++;
      listener.malformed(lineNumber, problem);
    }
    return false;
  }

  /** The part of {@code line} to parse, or null for a line that holds no sample (blank, a comment). */
  abstract String content(String line);

  /** Parses {@code line} into {@code s}; returns why the line is malformed, or null. */
  abstract String parse(String line, MutableSample s);

  /** After a well-formed line, before its sample is returned. */
  void accepted() {}

  /** Clears {@code s} for the next sample: this reader's model id and the next event time. */
  final void start(MutableSample s) {
    s.clear();
    s.modelId = options.modelId();
    s.eventTime = options.startTime() + produced * options.timeStepMs();
  }

  @Override
  public final long malformed() {
    return malformed;
  }

  @Override
  public final long bytesRead() {
    return input.counter().count();
  }

  public final long fileSize() {
    return input.size();
  }

  @Override
  public final void close() throws IOException {
    reader.close();
  }
}
