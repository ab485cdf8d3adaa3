package org.sparkmec.engine.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.sparkmec.engine.backend.cpu.CpuBackend;
import org.sparkmec.engine.backend.cpu.CpuBackendOptions;
import org.sparkmec.engine.backend.cpu.GemmParallelism;
import org.sparkmec.engine.conv.MecOptions;
import org.sparkmec.engine.model.ModelFile;
import org.sparkmec.engine.model.ModelSpec;
import org.sparkmec.engine.nn.Mode;
import org.sparkmec.engine.nn.Network;
import org.sparkmec.engine.nn.SoftmaxCrossEntropy;
import org.sparkmec.engine.tensor.Layout;
import org.sparkmec.engine.tensor.RandomFill;
import org.sparkmec.engine.tensor.Tensor;

/** The shipped models build into networks whose shapes match their declarations and that run a step. */
class NetworksTest {
    private static CpuBackend backend;

    @BeforeAll
    static void start() {
        backend = new CpuBackend(new CpuBackendOptions(2, GemmParallelism.TASKS));
    }

    @AfterAll
    static void stop() {
        backend.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"lenet.conf", "vgg-small.conf", "resnet20-mnist.conf"})
    void shippedModelsBuildAndRunAStep(String file) {
        ModelSpec spec = ModelFile.read(Path.of("..", "conf", "models", file));
        try (Network net = Networks.build(backend, spec, MecOptions.defaults(), 1L << 28, 3);
             Tensor images = Tensor.zeros(backend, Layout.NHWC, 3, spec.input().height(), spec.input().width(),
                     spec.input().channels());
             Tensor grad = Tensor.zeros(backend, Layout.MATRIX, 3, spec.classes())) {
            assertEquals(spec.layers().size(), net.layers().size());
            int[] image = {3, spec.input().height(), spec.input().width(), spec.input().channels()};
            List<int[]> dims = new ArrayList<>();
            List<String> names = spec.layers().stream().map(l -> l.name()).toList();
            for (int i = 0; i < net.layers().size(); i++) {
                List<int[]> in = new ArrayList<>();
                for (int k : net.inputs(i)) {
                    in.add(k == Network.IMAGES ? image : dims.get(k));
                }
                dims.add(net.layers().get(i).outputDims(in));
                int declared = names.indexOf(net.layers().get(i).name());
                assertEquals(spec.shapes().get(declared).numElements() * 3L, java.util.Arrays.stream(dims.get(i))
                        .asLongStream().reduce(1, (a, b) -> a * b), "layer " + net.layers().get(i).name());
            }
            RandomFill.uniform(images.storage(), 1);
            Tensor logits = net.forward(images, Mode.TRAIN);
            assertArrayEquals(new int[] {3, spec.classes()}, logits.dims());
            SoftmaxCrossEntropy.compute(backend, logits, new int[] {0, 1, 2}, grad);
            net.backward(grad);
            assertEquals(spec.classes(), net.classes());
        }
    }
}
