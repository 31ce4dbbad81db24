package io.streamtrain.io;

/**
 * The cells of one CSV line as ranges [start, end) of the line, so numeric cells are parsed in place without a
 * substring; a cell quoted with double quotes (RFC 4180, "" for a quote inside) is unescaped into a string instead.
 */
final class CsvCells {
  final int[] start;
  final int[] end;
  final String[] unquoted;
  int count;

  CsvCells(int capacity) {
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
