package org.sparkmec.engine.train;

/** Told about each optimizer step of a training run, in step order, on the thread that applied it. */
@FunctionalInterface
public interface StepListener {

    /**
     * @param step   optimizer steps taken so far (1 after the first)
     * @param loss   mean loss over the step's images
     * @param images images in the step's (global) batch
     */
    void step(long step, double loss, int images);
}
