package org.sparkmec.engine.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.sparkmec.engine.backend.cpu.CpuBackend;
import org.sparkmec.engine.backend.cpu.CpuBackendOptions;
import org.sparkmec.engine.backend.cpu.GemmParallelism;
import org.sparkmec.engine.conv.ConvAlgorithm;
import org.sparkmec.engine.conv.MecOptions;
import org.sparkmec.engine.shape.Conv2dParams;
import org.sparkmec.engine.tensor.Layout;
import org.sparkmec.engine.tensor.RandomFill;
import org.sparkmec.engine.tensor.Tensor;

/**
 * auto decides once per JVM for a backend, geometry and budget: layers on separate engines with the same settings
 * (the workers of one executor), measuring at the same time, all take the same algorithm.
 */
class Conv2dAutoChoiceTest {

    @Test
    void concurrentLayersOnEnginesWithTheSameSettingsAgree() throws Exception {
        int layers = 4;
        ExecutorService pool = Executors.newFixedThreadPool(layers);
        try {
            List<Future<ConvAlgorithm>> choices = new ArrayList<>();
            for (int i = 0; i < layers; i++) {
                choices.add(pool.submit(Conv2dAutoChoiceTest::chooseOnAFreshEngine));
            }
            ConvAlgorithm first = choices.get(0).get();
            assertNotNull(first);
            for (Future<ConvAlgorithm> c : choices) {
                assertEquals(first, c.get());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static ConvAlgorithm chooseOnAFreshEngine() {
        try (CpuBackend backend = new CpuBackend(new CpuBackendOptions(1, GemmParallelism.TASKS));
             Conv2dLayer layer = new Conv2dLayer(backend, new Conv2dLayer.Config("conv-auto-test", 3, 8, 5, 5,
                     Conv2dParams.of(1, 2), ConvAlgorithmChoice.AUTO, true, WeightInit.HE), MecOptions.defaults(),
                     1L << 30, 3);
             Tensor x = Tensor.zeros(backend, Layout.NHWC, new int[] {4, 23, 19, 3})) {
            RandomFill.uniform(x.storage(), 1);
            layer.forward(x, Mode.TRAIN);
            return layer.convolution().algorithm();
        }
    }
}
