package io.streamtrain.io;

import io.streamtrain.core.SpecException;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * A CSV file's header line and the role of each column: the label (by default the last column), categorical,
 * ignored, key, time, weight, or else a numeric feature. Each column named in the {@link CsvSampleReader.Columns}
 * must be in the header and take one role; every error names the option and the header's columns.
 */
final class CsvHeader {
  static final int NUMERIC = 0;
  static final int LABEL = 1;
  static final int CATEGORICAL = 2;
  static final int IGNORE = 3;
  static final int KEY = 4;
  static final int TIME = 5;
  static final int WEIGHT = 6;

  /** Column names in header order. */
  final String[] names;
  /** Each column's role. */
  final int[] role;
  /** Numeric feature columns. */
  final int denseCount;
  /** Lines read up to and including the header. */
  final long lines;

  private CsvHeader(String[] names, int[] role, long lines) {
    this.names = names;
    this.role = role;
    this.lines = lines;
    int d = 0;
    for (int r : role) {
      if (r == NUMERIC) {
        d++;
      }
    }
    this.denseCount = d;
  }

  /** Reads the header, the first line that is not blank, from {@code reader} and assigns the columns' roles. */
  static CsvHeader read(BufferedReader reader, Path file, CsvSampleReader.Columns columns) throws IOException {
    long lines = 0;
    String headerLine;
    do {
      headerLine = reader.readLine();
      lines++;
    } while (headerLine != null && headerLine.isBlank());
    if (headerLine == null) {
      throw new SpecException("--from", file.toString(), "the CSV file is empty; a header line is required");
    }
    if (!headerLine.isEmpty() && headerLine.charAt(0) == '\uFEFF') {
      headerLine = headerLine.substring(1); // UTF-8 byte order mark
    }
    if (!isText(headerLine)) {
      throw new SpecException("--from", file + " is not a text CSV file: its first line holds control bytes"
          + " or invalid UTF-8 (a binary file?); allowed: CSV text with a header line, gzipped or not");
    }
    List<String> h = new ArrayList<>();
    CsvCells tmp = new CsvCells(headerLine.length() + 2);
    int n = tmp.split(headerLine, columns.delimiter());
    if (n < 0) {
      throw new SpecException("--from", file.toString(), "the CSV header has an unbalanced quote");
    }
    for (int i = 0; i < n; i++) {
      h.add(tmp.text(headerLine, i).trim());
    }
    String[] header = h.toArray(new String[0]);
    Map<String, Integer> index = new HashMap<>();
    for (int i = 0; i < header.length; i++) {
      if (index.put(header[i], i) != null) {
        throw new SpecException("--from", file.toString(), "the CSV header names column \"" + header[i] + "\" twice");
      }
    }
    int[] role = new int[header.length];
    String labelName = columns.label() == null ? header[header.length - 1] : columns.label();
    role[column(header, index, "--label", labelName)] = LABEL;
    assign(header, index, role, "--categorical", columns.categorical(), CATEGORICAL);
    assign(header, index, role, "--ignore", columns.ignore(), IGNORE);
    if (columns.keyColumn() != null) {
      assign(header, index, role, "--key-column", List.of(columns.keyColumn()), KEY);
    }
    if (columns.timeColumn() != null) {
      assign(header, index, role, "--time-column", List.of(columns.timeColumn()), TIME);
    }
    if (columns.weightColumn() != null) {
      assign(header, index, role, "--weight-column", List.of(columns.weightColumn()), WEIGHT);
    }
    return new CsvHeader(header, role, lines);
  }

  private static int column(String[] header, Map<String, Integer> index, String option, String name) {
    Integer i = index.get(name);
    if (i == null) {
      throw new SpecException(option, name, "allowed: a column of the CSV header " + List.of(header));
    }
    return i;
  }

  private static void assign(String[] header, Map<String, Integer> index, int[] role, String option,
      List<String> names, int r) {
    for (String name : new LinkedHashSet<>(names)) {
      int i = column(header, index, option, name);
      if (role[i] != NUMERIC) {
        throw new SpecException(option, name, "this column already has another role (label, categorical, ignored, key, time or weight)");
      }
      role[i] = r;
    }
  }

  /** Names of the numeric feature columns, in the order of the dense vector. */
  List<String> denseColumns() {
    List<String> out = new ArrayList<>(denseCount);
    for (int i = 0; i < names.length; i++) {
      if (role[i] == NUMERIC) {
        out.add(names[i]);
      }
    }
    return out;
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
}
