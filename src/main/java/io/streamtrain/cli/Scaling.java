package io.streamtrain.cli;

import io.streamtrain.io.CsvSampleReader;
import io.streamtrain.io.MutableSample;
import io.streamtrain.io.SampleReader;
import io.streamtrain.io.Standardizer;
import java.io.IOException;
import java.util.List;

/**
 * {@code produce --standardize}: each numeric feature column's mean and population standard deviation, fitted in a
 * first pass over the file, then applied to every sample sent. The numeric columns are the dense vector's, or with
 * {@code --hashed-numeric} the named numeric fields (in column order, present in every row).
 */
final class Scaling {
  final double[] mean;
  final double[] scale;
  /** The CSV's dense feature columns, in the vector's order (null for other readers). */
  final List<String> columns;
  private final boolean hashedNumeric;

  private Scaling(double[] mean, double[] scale, List<String> columns, boolean hashedNumeric) {
    this.mean = mean;
    this.scale = scale;
    this.columns = columns;
    this.hashedNumeric = hashedNumeric;
  }

  /** Fits on every sample of {@code fit} (a reader of its own, read to its end). */
  static Scaling fit(SampleReader fit, boolean hashedNumeric) throws IOException {
    Standardizer scaler = new Standardizer();
    MutableSample m = new MutableSample();
    while (fit.next(m)) {
      if (hashedNumeric) {
        scaler.fit(m.numericValues, m.numericSize); // the numeric columns, in column order, in every row
      } else {
        scaler.fit(m.dense, m.denseSize);
      }
    }
    List<String> columns = fit instanceof CsvSampleReader c ? c.denseColumns() : null;
    return new Scaling(scaler.means(), scaler.scales(), columns, hashedNumeric);
  }

  /** Standardizes {@code s}'s numeric features in place. */
  void apply(MutableSample s) {
    if (hashedNumeric) {
      Standardizer.apply(mean, scale, s.numericValues, s.numericSize);
    } else {
      Standardizer.apply(mean, scale, s.dense, s.denseSize);
    }
  }
}
