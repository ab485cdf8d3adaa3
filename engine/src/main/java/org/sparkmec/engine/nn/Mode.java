package org.sparkmec.engine.nn;

/** Whether a forward pass trains (dropout active, state kept for backward) or evaluates. */
public enum Mode {
    TRAIN,
    EVAL
}
