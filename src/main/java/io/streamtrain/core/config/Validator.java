package io.streamtrain.core.config;

import io.streamtrain.core.SpecException;

/**
 * A check on a parsed config value: a predicate plus the sentence that says what is allowed. The same validator
 * serves a spec key ({@link #check}, a {@link SpecException} naming the key) and a constructor argument
 * ({@link #checkArgument}, an {@link IllegalArgumentException} with the same text), so a bound and its message are
 * written once. Built by {@link Validators}.
 */
public interface Validator<T> {
  boolean accepts(T value);

  /** What is allowed, e.g. "a number in [0, 1)"; it follows "allowed: " in messages and in the docs. */
  String allowed();

  /** Throws a {@link SpecException} naming {@code key} when {@code value} is not accepted. */
  default T check(String key, T value) {
    if (value != null && !accepts(value)) {
      throw new SpecException(key, value, "allowed: " + allowed());
    }
    return value;
  }

  /** As {@link #check}, for arguments of Java constructors and factories. */
  default T checkArgument(String name, T value) {
    if (value != null && !accepts(value)) {
      throw new IllegalArgumentException(name + ": " + value + " is not allowed; allowed: " + allowed());
    }
    return value;
  }
}
