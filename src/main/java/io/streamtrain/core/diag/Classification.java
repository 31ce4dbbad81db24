package io.streamtrain.core.diag;

/** A training state with the evidence that led to it (a short human-readable sentence with the figures). */
public record Classification(TrainingState state, String evidence) {}
