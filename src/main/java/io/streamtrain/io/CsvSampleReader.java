package io.streamtrain.io;

import io.streamtrain.core.SpecException;
import io.streamtrain.io.ReaderOptions.MissingPolicy;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Streams a CSV file with a header line into samples. The label column is chosen by name ({@code --label}; by
 * default the LAST column). Columns named in {@code categorical} become categorical fields (name = column,
 * value = cell text) for feature hashing; columns in {@code ignore} are skipped (ids, free text); an optional
 * key column becomes the sample key, an optional time column (epoch milliseconds) its event time and an optional
 * weight column (a finite number &gt;= 0) its weight. Every other
 * column is a numeric dense feature, in header order (or, with {@link Columns#withHashedNumeric}, a named numeric
 * field hashed by its column name). Cells may be quoted with double quotes (RFC 4180, "" for a
 * quote inside); a quoted cell spanning lines is not supported and reported as malformed. Empty lines are
 * skipped; a line with the wrong number of cells, a cell that is not a finite number, a bad label or (with the
 * reject policy) a missing value is reported as malformed with its line number. Input may be gzip-compressed.
 */
public final class CsvSampleReader implements SampleReader {
  private static final Set<String> MISSING_TOKENS = Set.of("", "na", "n/a", "nan", "null", "?");

  /** Column roles, validated against the header when the reader opens. */
  public record Columns(
      String label, List<String> categorical, List<String> ignore, String keyColumn, String timeColumn, char delimiter,
      LabelMap labelMap, String weightColumn, boolean hashedNumeric) {
    public Columns {
      categorical = List.copyOf(categorical);
      ignore = List.copyOf(ignore);
    }

    public static Columns defaults() {
      return new Columns(null, List.of(), List.of(), null, null, ',', null, null, false);
    }

    public Columns withLabel(String l) {
      return new Columns(l, categorical, ignore, keyColumn, timeColumn, delimiter, labelMap, weightColumn, hashedNumeric);
    }

    public Columns withCategorical(List<String> c) {
      return new Columns(label, c, ignore, keyColumn, timeColumn, delimiter, labelMap, weightColumn, hashedNumeric);
    }

    public Columns withIgnore(List<String> i) {
      return new Columns(label, categorical, i, keyColumn, timeColumn, delimiter, labelMap, weightColumn, hashedNumeric);
    }

    public Columns withKey(String k) {
      return new Columns(label, categorical, ignore, k, timeColumn, delimiter, labelMap, weightColumn, hashedNumeric);
    }

    public Columns withTime(String t) {
      return new Columns(label, categorical, ignore, keyColumn, t, delimiter, labelMap, weightColumn, hashedNumeric);
    }

    public Columns withDelimiter(char d) {
      return new Columns(label, categorical, ignore, keyColumn, timeColumn, d, labelMap, weightColumn, hashedNumeric);
    }

    /** A column of sample weights (finite, >= 0; null: every sample weighs 1). */
    public Columns withWeight(String w) {
      return new Columns(label, categorical, ignore, keyColumn, timeColumn, delimiter, labelMap, w, hashedNumeric);
    }

    /**
     * Numeric feature columns sent as named numeric fields (name = column header, value = cell), hashed by name into
     * the model's feature space like categorical fields, instead of as positions of the dense vector; a missing cell
     * filled in by the missing policy is sent as its filled-in value.
     */
    public Columns withHashedNumeric(boolean on) {
      return new Columns(label, categorical, ignore, keyColumn, timeColumn, delimiter, labelMap, weightColumn, on);
    }

    /** Label words mapped before the label type reads them (null: the cell text as it is). */
    public Columns withLabelMap(LabelMap m) {
      return new Columns(label, categorical, ignore, keyColumn, timeColumn, delimiter, m, weightColumn, hashedNumeric);
    }
  }

  private static final int NUMERIC = 0;
  private static final int LABEL = 1;
  private static final int CATEGORICAL = 2;
  private static final int IGNORE = 3;
  private static final int KEY = 4;
  private static final int TIME = 5;
  private static final int WEIGHT = 6;

  private final Inputs.Opened input;
  private final BufferedReader reader;
  private final ReaderOptions options;
  private final MalformedListener listener;
  private final char delimiter;
  private final LabelMap labelMap;
  private final boolean hashedNumeric;
  private final String[] header;
  private final int[] role;
  private final int denseCount;
  private final Cells cells;
  private final double[] rowValues;
  private final double[] sums;
  private final long[] counts;
  private long lineNumber;
  private long malformed;
  private long produced;

  public CsvSampleReader(Path file, Columns columns, ReaderOptions options, MalformedListener listener)
      throws IOException {
    this.input = Inputs.open(file);
    this.reader = input.reader();
    this.options = options;
    this.listener = listener;
    this.delimiter = columns.delimiter();
    this.labelMap = columns.labelMap();
    this.hashedNumeric = columns.hashedNumeric();
    String headerLine;
    do {
      headerLine = reader.readLine();
      lineNumber++;
    } while (headerLine != null && headerLine.isBlank());
    if (headerLine == null) {
      input.reader().close();
      throw new SpecException("--from", file.toString(), "the CSV file is empty; a header line is required");
    }
    if (!headerLine.isEmpty() && headerLine.charAt(0) == '\uFEFF') {
      headerLine = headerLine.substring(1); // UTF-8 byte order mark
    }
    if (!isText(headerLine)) {
      input.reader().close();
      throw new SpecException("--from", file + " is not a text CSV file: its first line holds control bytes"
          + " or invalid UTF-8 (a binary file?); allowed: CSV text with a header line, gzipped or not");
    }
    List<String> h = new ArrayList<>();
    Cells tmp = new Cells(headerLine.length() + 2);
    int n = tmp.split(headerLine, delimiter);
    if (n < 0) {
      input.reader().close();
      throw new SpecException("--from", file.toString(), "the CSV header has an unbalanced quote");
    }
    for (int i = 0; i < n; i++) {
      h.add(tmp.text(headerLine, i).trim());
    }
    this.header = h.toArray(new String[0]);
    Map<String, Integer> index = new HashMap<>();
    for (int i = 0; i < header.length; i++) {
      if (index.put(header[i], i) != null) {
        input.reader().close();
        throw new SpecException("--from", file.toString(), "the CSV header names column \"" + header[i] + "\" twice");
      }
    }
    this.role = new int[header.length];
    try {
      String labelName = columns.label() == null ? header[header.length - 1] : columns.label();
      role[column(index, "--label", labelName)] = LABEL;
      assign(index, "--categorical", columns.categorical(), CATEGORICAL);
      assign(index, "--ignore", columns.ignore(), IGNORE);
      if (columns.keyColumn() != null) {
        assign(index, "--key-column", List.of(columns.keyColumn()), KEY);
      }
      if (columns.timeColumn() != null) {
        assign(index, "--time-column", List.of(columns.timeColumn()), TIME);
      }
      if (columns.weightColumn() != null) {
        assign(index, "--weight-column", List.of(columns.weightColumn()), WEIGHT);
      }
    } catch (SpecException e) {
      input.reader().close();
      throw e;
    }
    int d = 0;
    for (int r : role) {
      if (r == NUMERIC) {
        d++;
      }
    }
    this.denseCount = d;
    this.cells = new Cells(header.length + 1);
    this.rowValues = new double[header.length];
    this.sums = new double[header.length];
    this.counts = new long[header.length];
  }

  private int column(Map<String, Integer> index, String option, String name) {
    Integer i = index.get(name);
    if (i == null) {
      throw new SpecException(option, name, "allowed: a column of the CSV header " + List.of(header));
    }
    return i;
  }

  private void assign(Map<String, Integer> index, String option, List<String> names, int r) {
    for (String name : new LinkedHashSet<>(names)) {
      int i = column(index, option, name);
      if (role[i] != NUMERIC) {
        throw new SpecException(option, name, "this column already has another role (label, categorical, ignored, key, time or weight)");
      }
      role[i] = r;
    }
  }

  /** Column names in header order. */
  public List<String> header() {
    return List.of(header);
  }

  /** Names of the dense feature columns, in the order of the dense vector. */
  public List<String> denseColumns() {
    List<String> out = new ArrayList<>(denseCount);
    for (int i = 0; i < header.length; i++) {
      if (role[i] == NUMERIC) {
        out.add(header[i]);
      }
    }
    return out;
  }

  @Override
  public boolean next(MutableSample into) throws IOException {
    String line;
    while ((line = reader.readLine()) != null) {
      lineNumber++;
      if (line.isBlank()) {
        continue;
      }
      String problem = parse(line, into);
      if (problem == null) {
        commitMeans();
        produced++;
        return true;
      }
      malformed++;
      listener.malformed(lineNumber, problem);
    }
    return false;
  }

  private void addFeature(MutableSample s, int column, double v) {
    if (hashedNumeric) {
      s.addNumeric(header[column], v);
    } else {
      s.addDense(v);
    }
  }

  private String parse(String line, MutableSample s) {
    int n = cells.split(line, delimiter);
    if (n < 0) {
      return "unbalanced quote (a quoted cell may not span lines)";
    }
    if (n != header.length) {
      return "expected " + header.length + " cells as in the header, found " + (n > header.length ? "more" : Integer.toString(n));
    }
    s.clear();
    s.modelId = options.modelId();
    s.eventTime = options.startTime() + produced * options.timeStepMs();
    for (int i = 0; i < header.length; i++) {
      switch (role[i]) {
        case NUMERIC -> {
          double v = cells.number(line, i);
          if (!Double.isNaN(v)) {
            rowValues[i] = v;
            addFeature(s, i, v);
            continue;
          }
          String t = cells.text(line, i).trim();
          if (isMissing(t)) {
            if (options.missing() == MissingPolicy.REJECT) {
              return "missing value in column \"" + header[i] + "\" (policy reject; see --missing)";
            }
            addFeature(s, i, options.missing() == MissingPolicy.MEAN && counts[i] > 0 ? sums[i] / counts[i] : 0.0);
            // A filled-in value must not feed the running mean.
            rowValues[i] = Double.NaN;
          } else {
            return "column \"" + header[i] + "\": \"" + t + "\" is not a finite number";
          }
        }
        case LABEL -> {
          String t = cells.text(line, i).trim();
          if (isMissing(t) && !t.equalsIgnoreCase("nan")) {
            return "missing label in column \"" + header[i] + "\"";
          }
          if (labelMap != null) {
            String mapped = labelMap.apply(t);
            if (mapped == null) {
              return "column \"" + header[i] + "\": label \"" + t + "\" is not in --label-map (allowed: "
                  + String.join(", ", labelMap.labels()) + ")";
            }
            t = mapped;
          }
          String err = options.labelType().apply(t, s);
          if (err != null) {
            return "column \"" + header[i] + "\": " + err;
          }
        }
        case CATEGORICAL -> {
          String t = cells.text(line, i).trim();
          if (!t.isEmpty()) {
            s.addCategorical(header[i], t);
          }
        }
        case KEY -> {
          String t = cells.text(line, i).trim();
          s.key = t.isEmpty() ? null : t;
        }
        case TIME -> {
          String t = cells.text(line, i).trim();
          try {
            s.eventTime = Long.parseLong(t);
          } catch (NumberFormatException e) {
            return "column \"" + header[i] + "\": \"" + t + "\" is not an epoch-millisecond time";
          }
        }
        case WEIGHT -> {
          double w = cells.number(line, i);
          if (Double.isNaN(w) || w < 0) {
            return "column \"" + header[i] + "\": weight \"" + cells.text(line, i).trim()
                + "\" is not a finite number >= 0";
          }
          s.setWeight(w);
        }
        default -> {
          // ignored column
        }
      }
    }
    return null;
  }

  private void commitMeans() {
    if (options.missing() != MissingPolicy.MEAN) {
      return;
    }
    for (int i = 0; i < header.length; i++) {
      if (role[i] == NUMERIC && !Double.isNaN(rowValues[i])) {
        sums[i] += rowValues[i];
        counts[i]++;
      }
    }
  }

  /** False when the line has bytes no CSV header holds: NUL and other control characters, or invalid UTF-8. */
  private static boolean isText(String line) {
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if ((c < 0x20 && c != '\t') || c == 0x7f || c == '\uFFFD') {
        return false;
      }
    }
    return true;
  }

  private static boolean isMissing(String t) {
    return t.length() <= 4 && MISSING_TOKENS.contains(t.toLowerCase(Locale.ROOT));
  }

  /**
   * The cells of one line as ranges [start, end) of the line, so numeric cells are parsed in place without a
   * substring; a quoted cell is unescaped into a string instead.
   */
  static final class Cells {
    final int[] start;
    final int[] end;
    final String[] unquoted;
    int count;

    Cells(int capacity) {
      start = new int[capacity];
      end = new int[capacity];
      unquoted = new String[capacity];
    }

    /** The cell text, untrimmed. */
    String text(String line, int i) {
      return unquoted[i] != null ? unquoted[i] : line.substring(start[i], end[i]);
    }

    /** The cell as a finite number (surrounding blanks allowed), or NaN. */
    double number(String line, int i) {
      if (unquoted[i] != null) {
        String t = unquoted[i].trim();
        return Numbers.parseFinite(t, 0, t.length());
      }
      int a = start[i];
      int b = end[i];
      while (a < b && line.charAt(a) <= ' ') {
        a++;
      }
      while (b > a && line.charAt(b - 1) <= ' ') {
        b--;
      }
      return Numbers.parseFinite(line, a, b);
    }

    /**
     * Splits one CSV line; returns the cell count, capacity + 1 when there are more cells than fit, or -1 for an
     * unbalanced quote.
     */
    int split(String line, char delim) {
      int n = 0;
      int len = line.length();
      int i = 0;
      while (true) {
        if (n == start.length) {
          return start.length + 1;
        }
        if (i < len && line.charAt(i) == '"') {
          StringBuilder sb = new StringBuilder();
          i++;
          boolean closed = false;
          while (i < len) {
            char c = line.charAt(i);
            if (c == '"') {
              if (i + 1 < len && line.charAt(i + 1) == '"') {
                sb.append('"');
                i += 2;
              } else {
                i++;
                closed = true;
                break;
              }
            } else {
              sb.append(c);
              i++;
            }
          }
          if (!closed) {
            return -1;
          }
          // Blanks may follow the closing quote before the delimiter; nothing else may.
          while (i < len && line.charAt(i) != delim) {
            if (line.charAt(i) != ' ' && line.charAt(i) != '\t') {
              return -1;
            }
            i++;
          }
          unquoted[n] = sb.toString();
          start[n] = 0;
          end[n] = 0;
        } else {
          int j = line.indexOf(delim, i);
          if (j < 0) {
            j = len;
          }
          unquoted[n] = null;
          start[n] = i;
          end[n] = j;
          i = j;
        }
        n++;
        if (i >= len) {
          return count = n;
        }
        i++; // skip the delimiter
        if (i == len) {
          if (n == start.length) {
            return start.length + 1;
          }
          unquoted[n] = null;
          start[n] = len; // a trailing delimiter: one more, empty cell
          end[n] = len;
          return count = n + 1;
        }
      }
    }
  }

  @Override
  public long malformed() {
    return malformed;
  }

  @Override
  public long bytesRead() {
    return input.counter().count();
  }

  public long fileSize() {
    return input.size();
  }

  @Override
  public void close() throws IOException {
    reader.close();
  }
}
