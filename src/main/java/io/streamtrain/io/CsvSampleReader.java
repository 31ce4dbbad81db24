package io.streamtrain.io;

import io.streamtrain.core.SpecException;
import io.streamtrain.io.ReaderOptions.MissingPolicy;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
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
public final class CsvSampleReader extends LineSampleReader {
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

  private final char delimiter;
  private final LabelMap labelMap;
  private final boolean hashedNumeric;
  private final CsvHeader layout;
  private final String[] header;
  private final int[] role;
  private final CsvCells cells;
  private final double[] rowValues;
  private final double[] sums;
  private final long[] counts;

  public CsvSampleReader(Path file, Columns columns, ReaderOptions options, MalformedListener listener)
      throws IOException {
    super(file, options, listener);
    this.delimiter = columns.delimiter();
    this.labelMap = columns.labelMap();
    this.hashedNumeric = columns.hashedNumeric();
    try {
      this.layout = CsvHeader.read(reader, file, columns);
    } catch (SpecException e) {
      reader.close();
      throw e;
    }
    this.lineNumber = layout.lines;
    this.header = layout.names;
    this.role = layout.role;
    this.cells = new CsvCells(header.length + 1);
    this.rowValues = new double[header.length];
    this.sums = new double[header.length];
    this.counts = new long[header.length];
  }

  /** Column names in header order. */
  public List<String> header() {
    return List.of(header);
  }

  /** Names of the dense feature columns, in the order of the dense vector. */
  public List<String> denseColumns() {
    return layout.denseColumns();
  }

  @Override
  String content(String line) {
    return line.isBlank() ? null : line;
  }

  @Override
  void accepted() {
    commitMeans();
  }

  private void addFeature(MutableSample s, int column, double v) {
    if (hashedNumeric) {
      s.addNumeric(header[column], v);
    } else {
      s.addDense(v);
    }
  }

  @Override
  String parse(String line, MutableSample s) {
    int n = cells.split(line, delimiter);
    if (n < 0) {
      return "unbalanced quote (a quoted cell may not span lines)";
    }
    if (n != header.length) {
      return "expected " + header.length + " cells as in the header, found " + (n > header.length ? "more" : Integer.toString(n));
    }
    start(s);
    for (int i = 0; i < header.length; i++) {
      switch (role[i]) {
        case CsvHeader.NUMERIC -> {
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
        case CsvHeader.LABEL -> {
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
        case CsvHeader.CATEGORICAL -> {
          String t = cells.text(line, i).trim();
          if (!t.isEmpty()) {
            s.addCategorical(header[i], t);
          }
        }
        case CsvHeader.KEY -> {
          String t = cells.text(line, i).trim();
          s.key = t.isEmpty() ? null : t;
        }
        case CsvHeader.TIME -> {
          String t = cells.text(line, i).trim();
          try {
            s.eventTime = Long.parseLong(t);
          } catch (NumberFormatException e) {
            return "column \"" + header[i] + "\": \"" + t + "\" is not an epoch-millisecond time";
          }
        }
        case CsvHeader.WEIGHT -> {
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
      if (role[i] == CsvHeader.NUMERIC && !Double.isNaN(rowValues[i])) {
        sums[i] += rowValues[i];
        counts[i]++;
      }
    }
  }

  private static boolean isMissing(String t) {
    return t.length() <= 4 && MISSING_TOKENS.contains(t.toLowerCase(Locale.ROOT));
  }
}
