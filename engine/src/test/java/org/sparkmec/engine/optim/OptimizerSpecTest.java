package org.sparkmec.engine.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sparkmec.engine.optim.WithParameters.assertMessage;

import org.junit.jupiter.api.Test;

/** {@link OptimizerSpec} and {@link ScheduleSpec}: names, defaults, what they build, validation. */
class OptimizerSpecTest {

    @Test
    void parsesOptimizerNames() {
        assertEquals(OptimizerKind.SGD, OptimizerKind.parse("sgd"));
        assertEquals(OptimizerKind.ADAM, OptimizerKind.parse(" Adam "));
        assertEquals(OptimizerKind.ADAM, OptimizerSpec.parse("ADAM").kind());
        assertEquals("adam", OptimizerKind.ADAM.configName());
        assertMessage("unknown optimizer 'rmsprop'; expected one of sgd|adam", () -> OptimizerSpec.parse("rmsprop"));
    }

    @Test
    void buildsSgd() {
        OptimizerSpec spec = OptimizerSpec.parse("sgd").withMomentum(0.9).withNesterov(true).withWeightDecay(5e-4);
        Sgd sgd = assertInstanceOf(Sgd.class, spec.create());
        assertEquals(0.9, sgd.momentum());
        assertTrue(sgd.nesterov());
        assertEquals(5e-4, sgd.weightDecay());
        assertNotSame(sgd, spec.create());
        assertEquals(0.01, spec.defaultLearningRate());

        Sgd plain = assertInstanceOf(Sgd.class, OptimizerSpec.defaults(OptimizerKind.SGD).create());
        assertEquals(0, plain.momentum());
        assertFalse(plain.nesterov());
        assertEquals(0, plain.weightDecay());
    }

    @Test
    void buildsAdam() {
        Adam defaults = assertInstanceOf(Adam.class, OptimizerSpec.parse("adam").create());
        assertEquals(0.9, defaults.beta1());
        assertEquals(0.999, defaults.beta2());
        assertEquals(1e-8, defaults.epsilon());
        assertEquals(0, defaults.weightDecay());
        assertEquals(1e-3, OptimizerSpec.parse("adam").defaultLearningRate());

        OptimizerSpec spec = OptimizerSpec.parse("adam").withBetas(0.8, 0.99).withEpsilon(1e-6).withWeightDecay(0.01);
        Adam adam = assertInstanceOf(Adam.class, spec.create());
        assertEquals(0.8, adam.beta1());
        assertEquals(0.99, adam.beta2());
        assertEquals(1e-6, adam.epsilon());
        assertEquals(0.01, adam.weightDecay());
    }

    @Test
    void validatesEverySetting() {
        OptimizerSpec adam = OptimizerSpec.parse("adam");
        assertMessage("SGD momentum must be in [0, 1), got 1.5", () -> adam.withMomentum(1.5));
        assertMessage("Adam beta2 must be in [0, 1), got 1.0", () -> adam.withBetas(0.9, 1));
        assertMessage("Adam epsilon must be finite and > 0, got -1.0", () -> adam.withEpsilon(-1));
        assertMessage("SGD weight decay must be finite and >= 0, got -0.1", () -> adam.withWeightDecay(-0.1));
        assertMessage("Nesterov momentum requires SGD momentum > 0, got momentum 0.0",
                () -> OptimizerSpec.parse("sgd").withNesterov(true));
        // Nesterov is an SGD setting: Adam ignores it.
        assertInstanceOf(Adam.class, adam.withNesterov(true).create());
    }

    @Test
    void parsesScheduleNames() {
        assertEquals(ScheduleKind.CONSTANT, ScheduleKind.parse("constant"));
        assertEquals(ScheduleKind.STEP, ScheduleKind.parse("Step"));
        assertEquals(ScheduleKind.COSINE, ScheduleKind.parse("COSINE"));
        assertMessage("unknown learning-rate schedule 'linear'; expected one of constant|step|cosine",
                () -> ScheduleKind.parse("linear"));
    }

    @Test
    void buildsSchedules() {
        assertEquals(new ConstantRate(0.1), ScheduleSpec.of(ScheduleKind.CONSTANT, 0.1).create(10));
        assertEquals(new StepDecay(0.1, StepDecay.DEFAULT_GAMMA, StepDecay.DEFAULT_EVERY_EPOCHS),
                ScheduleSpec.of(ScheduleKind.STEP, 0.1).create(10));
        assertEquals(new StepDecay(0.1, 0.5, 4), ScheduleSpec.of(ScheduleKind.STEP, 0.1).withGamma(0.5)
                .withStepEpochs(4).create(10));
        assertEquals(new CosineAnnealing(0.1, 0, 12), ScheduleSpec.of(ScheduleKind.COSINE, 0.1).create(12));
        assertEquals(new LinearWarmup(new CosineAnnealing(0.1, 0.001, 20), 100),
                ScheduleSpec.of(ScheduleKind.COSINE, 0.1).withMinRate(0.001).withWarmupSteps(100).create(20));
    }

    @Test
    void validatesScheduleSettings() {
        ScheduleSpec constant = ScheduleSpec.of(ScheduleKind.CONSTANT, 0.1);
        assertMessage("learning rate must be finite and > 0, got 0.0", () -> ScheduleSpec.of(ScheduleKind.CONSTANT, 0));
        assertMessage("step decay gamma must be in (0, 1], got -0.5", () -> constant.withGamma(-0.5));
        assertMessage("step decay interval (epochs) must be at least 1, got 0", () -> constant.withStepEpochs(0));
        assertMessage("cosine minimum rate must be in [0, learning rate 0.1], got 0.5", () -> constant.withMinRate(0.5));
        assertMessage("warm-up steps must be >= 0, got -1", () -> constant.withWarmupSteps(-1));
        assertMessage("epochs must be at least 1, got 0", () -> constant.create(0));
    }
}
