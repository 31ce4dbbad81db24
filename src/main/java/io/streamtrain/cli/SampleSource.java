package io.streamtrain.cli;

import io.streamtrain.io.MutableSample;
import io.streamtrain.io.SampleReader;
import io.streamtrain.io.gen.SampleGenerator;
import java.io.IOException;

/** The samples {@code produce} sends, one at a time; null at the end. A returned sample is valid until the next call. */
interface SampleSource {
  MutableSample next() throws IOException;

  /** The file's ({@code reader}) or else the generator's samples as they come, each with {@code modelId}. */
  static SampleSource inOrder(SampleReader reader, SampleGenerator gen, String modelId) {
    MutableSample s = new MutableSample();
    s.modelId = modelId;
    if (reader != null) {
      return () -> reader.next(s) ? s : null;
    }
    return () -> {
      gen.next(s);
      s.modelId = modelId;
      return s;
    };
  }
}
