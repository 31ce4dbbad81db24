package io.streamtrain.bench;

import java.util.HashMap;
import java.util.Map;

/** {@code key=value} arguments of the scripted benchmarks, over defaults; an unknown key is an error naming it. */
final class BenchArgs {
  private BenchArgs() {}

  static Map<String, String> parse(String[] args, Map<String, String> defaults) {
    Map<String, String> a = new HashMap<>(defaults);
    for (String arg : args) {
      String[] kv = arg.split("=", 2);
      if (kv.length != 2 || !a.containsKey(kv[0])) {
        throw new IllegalArgumentException("argument " + arg + ": allowed key=value with keys " + a.keySet());
      }
      a.put(kv[0], kv[1]);
    }
    return a;
  }
}
