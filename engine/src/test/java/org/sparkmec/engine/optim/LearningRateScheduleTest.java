package org.sparkmec.engine.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.sparkmec.engine.optim.WithParameters.assertMessage;

import org.junit.jupiter.api.Test;

/** The schedules' rates at chosen positions, worked out from their definitions, and argument validation. */
class LearningRateScheduleTest {
    private static final double EPS = 1e-12;

    @Test
    void constant() {
        LearningRateSchedule schedule = new ConstantRate(0.03);
        assertEquals(0.03, schedule.rate(0, 0, 1));
        assertEquals(0.03, schedule.rate(57, 99, 100));
    }

    @Test
    void stepDecay() {
        LearningRateSchedule schedule = new StepDecay(0.8, 0.5, 3);
        assertEquals(0.8, schedule.rate(0, 0, 10), EPS);
        assertEquals(0.8, schedule.rate(2, 9, 10), EPS);
        assertEquals(0.4, schedule.rate(3, 0, 10), EPS);
        assertEquals(0.4, schedule.rate(5, 9, 10), EPS);
        assertEquals(0.2, schedule.rate(6, 0, 10), EPS);
        assertEquals(0.8 / 1024, schedule.rate(31, 4, 10), EPS);
    }

    @Test
    void cosine() {
        LearningRateSchedule schedule = new CosineAnnealing(0.1, 0.02, 10);
        assertEquals(0.1, schedule.rate(0, 0, 4), EPS);
        // Half-way: the mean of base and minimum; a quarter: min + (base - min) (1 + cos(pi/4)) / 2.
        assertEquals(0.06, schedule.rate(5, 0, 4), EPS);
        assertEquals(0.02 + 0.08 * (1 + Math.sqrt(0.5)) / 2, schedule.rate(2, 2, 4), EPS);
        assertEquals(0.02 + 0.08 * (1 - Math.sqrt(0.5)) / 2, schedule.rate(7, 2, 4), EPS);
        // The last step is above the minimum: p = 39/40.
        assertEquals(0.02 + 0.08 * (1 + Math.cos(Math.PI * 39 / 40)) / 2, schedule.rate(9, 3, 4), EPS);
        assertEquals(0.05, new CosineAnnealing(0.1, 1).rate(0, 50, 100), EPS);
    }

    @Test
    void warmup() {
        LearningRateSchedule schedule = new LinearWarmup(new ConstantRate(0.2), 4);
        // 3 steps per epoch: the ramp crosses the epoch boundary.
        assertEquals(0.05, schedule.rate(0, 0, 3), EPS);
        assertEquals(0.10, schedule.rate(0, 1, 3), EPS);
        assertEquals(0.15, schedule.rate(0, 2, 3), EPS);
        assertEquals(0.20, schedule.rate(1, 0, 3), EPS);
        assertEquals(0.20, schedule.rate(1, 1, 3), EPS);
        LearningRateSchedule cosine = new LinearWarmup(new CosineAnnealing(0.1, 2), 2);
        assertEquals(0.05, cosine.rate(0, 0, 2), EPS);
        assertEquals(0.05, cosine.rate(1, 0, 2), EPS);
        assertEquals(0.1 * (1 + Math.cos(Math.PI / 4)) / 2, cosine.rate(0, 1, 2), EPS);
    }

    @Test
    void rejectsInvalidSettings() {
        assertMessage("learning rate must be finite and > 0, got 0.0", () -> new ConstantRate(0));
        assertMessage("learning rate must be finite and > 0, got -0.1", () -> new StepDecay(-0.1, 0.5, 3));
        assertMessage("learning rate must be finite and > 0, got Infinity",
                () -> new CosineAnnealing(Double.POSITIVE_INFINITY, 3));
        assertMessage("step decay gamma must be in (0, 1], got 0.0", () -> new StepDecay(0.1, 0, 3));
        assertMessage("step decay gamma must be in (0, 1], got 10.0", () -> new StepDecay(0.1, 10, 3));
        assertMessage("step decay interval (epochs) must be at least 1, got 0", () -> new StepDecay(0.1, 0.5, 0));
        assertMessage("epochs must be at least 1, got 0", () -> new CosineAnnealing(0.1, 0));
        assertMessage("cosine minimum rate must be in [0, learning rate 0.1], got 0.2", () -> new CosineAnnealing(0.1, 0.2, 5));
        assertMessage("cosine minimum rate must be in [0, learning rate 0.1], got -0.01",
                () -> new CosineAnnealing(0.1, -0.01, 5));
        assertMessage("warm-up steps must be at least 1, got 0", () -> new LinearWarmup(new ConstantRate(0.1), 0));
    }

    @Test
    void rejectsInvalidPositions() {
        LearningRateSchedule schedule = new LinearWarmup(new CosineAnnealing(0.1, 5), 10);
        assertMessage("epoch must be >= 0, got -1", () -> schedule.rate(-1, 0, 10));
        assertMessage("steps per epoch must be at least 1, got 0", () -> schedule.rate(0, 0, 0));
        assertMessage("step 10 outside [0, 10) (the step within the epoch, 0-based, below the steps per epoch)",
                () -> schedule.rate(1, 10, 10));
        assertMessage("step -1 outside [0, 10) (the step within the epoch, 0-based, below the steps per epoch)",
                () -> new ConstantRate(0.1).rate(1, -1, 10));
        assertMessage("epoch 5 is past the cosine schedule's 5 epochs (0 to 4)", () -> schedule.rate(5, 0, 10));
    }
}
