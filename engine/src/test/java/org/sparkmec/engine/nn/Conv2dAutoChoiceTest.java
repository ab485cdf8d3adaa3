package org.sparkmec.engine.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkmec.engine.backend.Backend;
import org.sparkmec.engine.backend.cpu.CpuBackend;
import org.sparkmec.engine.backend.cpu.CpuBackendOptions;
import org.sparkmec.engine.backend.cpu.GemmParallelism;
import org.sparkmec.engine.conv.ConvAlgorithm;
import org.sparkmec.engine.conv.ConvAutoTable;
import org.sparkmec.engine.conv.MecOptions;
import org.sparkmec.engine.runtime.EngineConf;
import org.sparkmec.engine.runtime.Backends;
import org.sparkmec.engine.shape.Conv2dParams;
import org.sparkmec.engine.shape.ConvGeometry;
import org.sparkmec.engine.tensor.Layout;
import org.sparkmec.engine.tensor.RandomFill;
import org.sparkmec.engine.tensor.Tensor;

/**
 * auto decides once for a backend, geometry and budget: layers on separate engines with the same settings (the
 * workers of one executor), measuring at the same time, all take the same algorithm; and a decision recorded in the
 * backend's table ({@code spark.mec.conv.autoTable}) is taken as recorded.
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

    /**
     * A decision recorded in the table file (by an earlier run) is what a layer takes, whichever algorithm is faster
     * now: both outcomes are forced through the file, so the test cannot pass by measuring.
     */
    @Test
    void aRecordedDecisionIsTakenWithoutMeasuring(@TempDir Path dir) throws IOException {
        for (ConvAlgorithm recorded : List.of(ConvAlgorithm.IM2COL, ConvAlgorithm.MEC)) {
            Path table = dir.resolve(recorded.configName() + ".tsv");
            EngineConf conf = EngineConf.from(Map.of(EngineConf.BACKEND.key(), "cpu", EngineConf.CPU_THREADS.key(), "1",
                    EngineConf.CONV_AUTO_TABLE.key(), table.toString()));
            try (Backend backend = Backends.create(conf);
                 Conv2dLayer layer = new Conv2dLayer(backend, new Conv2dLayer.Config("conv-table-test", 3, 8, 5, 5,
                         Conv2dParams.of(1, 2), ConvAlgorithmChoice.AUTO, true, WeightInit.HE), MecOptions.defaults(),
                         1L << 30, 3);
                 Tensor x = Tensor.zeros(backend, Layout.NHWC, new int[] {4, 23, 19, 3})) {
                ConvGeometry g = new ConvGeometry(4, 23, 19, 3, 5, 5, 8, 1, 1, 2, 2);
                Files.write(table, List.of(ConvAutoTable.key(backend, g, 1L << 30) + "\t" + recorded.configName()
                        + "\t1.0\t1.0\t2026-12-04T18:00:00Z"), StandardCharsets.UTF_8);
                RandomFill.uniform(x.storage(), 1);
                layer.forward(x, Mode.TRAIN);
                assertEquals(recorded, layer.convolution().algorithm());
                assertEquals(1, Files.readAllLines(table).size(), "the file is read, not rewritten");
            }
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
