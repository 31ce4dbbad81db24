package io.streamtrain.core.diag;

/** Something the diagnostics did to a model (a saddle escape), for the metrics' event list. */
public record DiagEvent(String type, long step, String message) {}
