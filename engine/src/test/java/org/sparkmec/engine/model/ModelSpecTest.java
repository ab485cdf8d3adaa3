package org.sparkmec.engine.model;

import org.sparkmec.engine.conv.ConvAlgorithm;
import org.sparkmec.engine.nn.ConvAlgorithmChoice;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sparkmec.engine.model.ModelFileTest.assertMessage;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.sparkmec.engine.nn.WeightInit;
import org.sparkmec.engine.shape.Conv2dParams;
import org.sparkmec.engine.shape.ConvGeometry;

/** Shape inference against the engine's convolution geometry, and the spec records' own contracts. */
class ModelSpecTest {

    @Test
    void windowShapesAgreeWithConvGeometryOnAwkwardSizes() {
        int checked = 0;
        for (int in = 1; in <= 9; in++) {
            for (int k = 1; k <= 5; k++) {
                for (int s = 1; s <= 3; s++) {
                    for (int p = 0; p <= 2; p++) {
                        // rectangular input and kernel, unequal strides and paddings
                        checked += checkAgainstConvGeometry(in, in + 2, k, Math.max(1, k - 1), s, s + 1, p, p / 2);
                    }
                }
            }
        }
        assertTrue(checked > 200, "enough valid geometries checked: " + checked);
    }

    /** Compares conv and max-pool output shapes with {@link ConvGeometry}; returns 1 if the kernel fits, else 0. */
    private static int checkAgainstConvGeometry(int inH, int inW, int kH, int kW, int sH, int sW, int pH, int pW) {
        Conv2dSpec conv = new Conv2dSpec("c", 3, kH, kW, sH, sW, pH, pW, ConvAlgorithmChoice.AUTO, true, WeightInit.HE);
        ActivationShape input = ActivationShape.spatial(inH, inW, 2);
        if (kH > inH + 2 * pH || kW > inW + 2 * pW) {
            assertMessage(assertThrows(IllegalArgumentException.class, () -> conv.outputShape(input)),
                    "layer c: kernel " + kH + "x" + kW + " larger than input " + inH + "x" + inW);
            assertThrows(IllegalArgumentException.class, () -> new ConvGeometry(1, inH, inW, 2, kH, kW, 3, sH, sW, pH,
                    pW), "the engine agrees that the kernel does not fit");
            return 0;
        }
        ConvGeometry g = new ConvGeometry(1, inH, inW, 2, kH, kW, 3, sH, sW, pH, pW);
        assertEquals(ActivationShape.spatial(g.outH(), g.outW(), 3), conv.outputShape(input), g.toString());
        if (2 * pH <= kH && 2 * pW <= kW) {
            MaxPool2dSpec pool = new MaxPool2dSpec("p", kH, kW, sH, sW, pH, pW);
            assertEquals(ActivationShape.spatial(g.outH(), g.outW(), 2), pool.outputShape(input),
                    "pooling keeps the channels: " + g);
        }
        return 1;
    }

    @Test
    void convSpecGivesTheEngineParamsAndAlgorithm() {
        Conv2dSpec conv = new Conv2dSpec("c", 3, 3, 3, 2, 1, 1, 0, ConvAlgorithmChoice.MEC, true, WeightInit.HE);
        assertEquals(new Conv2dParams(2, 1, 1, 0), conv.params(ActivationShape.spatial(9, 9, 3)));
        Conv2dSpec same = new Conv2dSpec("s", 3, 3, 3, 2, 1, 0, 0, ConvAlgorithmChoice.MEC, true, WeightInit.HE, true);
        assertEquals(new Conv2dParams(2, 1, 1, 1), same.params(ActivationShape.spatial(32, 31, 3)));
        assertEquals(Optional.of(ConvAlgorithm.MEC), ConvAlgorithmChoice.MEC.fixed());
        assertEquals(Optional.of(ConvAlgorithm.IM2COL), ConvAlgorithmChoice.IM2COL.fixed());
        assertEquals(Optional.empty(), ConvAlgorithmChoice.AUTO.fixed());
        assertEquals(Conv2dSpec.of("c", 3, 3),
                new Conv2dSpec("c", 3, 3, 3, 1, 1, 0, 0, ConvAlgorithmChoice.AUTO, true, WeightInit.HE));
        assertEquals(MaxPool2dSpec.of("p", 3), new MaxPool2dSpec("p", 3, 3, 3, 3, 0, 0));
        assertEquals(AvgPool2dSpec.of("p", 2), new AvgPool2dSpec("p", 2, 2, 2, 2, 0, 0));
        assertEquals(DenseSpec.of("d", 4), new DenseSpec("d", 4, true, WeightInit.HE));
    }

    @Test
    void activationShapes() {
        assertEquals("28x28x6", ActivationShape.spatial(28, 28, 6).toString());
        assertEquals("400", ActivationShape.flat(400).toString());
        assertEquals(400, ActivationShape.flat(400).features());
        assertEquals(400, ActivationShape.spatial(5, 5, 16).numElements());
        assertMessage(assertThrows(IllegalStateException.class, () -> ActivationShape.spatial(5, 5, 16).features()),
                "5x5x16 is not flat");
        assertThrows(IllegalArgumentException.class, () -> ActivationShape.spatial(0, 5, 1));
        assertThrows(IllegalArgumentException.class, () -> new ActivationShape(2, 1, 3, true));
        assertMessage(assertThrows(IllegalArgumentException.class, () -> ActivationShape.spatial(65536, 65536, 1)),
                "more than 2147483647 values per sample");
    }

    @Test
    void tooLargeActivationsAreReportedWithTheLayer() {
        assertMessage(assertThrows(IllegalArgumentException.class, () -> new InputSpec(50000, 50000, 3)),
                "input 50000x50000x3 has more than 2147483647 values per sample");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> ModelSpec.builder("m").input(30000, 30000, 1)
                        .conv2d("wide", 4, 1).flatten().dense(2).build()),
                "layer wide: output 30000x30000x4 has more than 2147483647 values per sample");
    }

    @Test
    void specsAreImmutableValues() {
        List<LayerSpec> layers = new ArrayList<>(List.of(new FlattenSpec("f"), DenseSpec.of("d", 3)));
        ModelSpec spec = new ModelSpec("m", new InputSpec(2, 2, 1), layers, Loss.DEFAULT);
        layers.add(new ReluSpec("r"));
        assertEquals(2, spec.layers().size(), "the constructor copies the list");
        assertThrows(UnsupportedOperationException.class, () -> spec.layers().add(new ReluSpec("r")));
        assertEquals(spec, new ModelSpec("m", new InputSpec(2, 2, 1), List.of(new FlattenSpec("f"),
                DenseSpec.of("d", 3)), Loss.SOFTMAX_CROSS_ENTROPY));
        assertEquals(List.of(ActivationShape.flat(4), ActivationShape.flat(3)), spec.shapes());
        assertEquals(3, spec.classes());
        assertMessage(assertThrows(IllegalArgumentException.class, () -> new ModelSpec("m", new InputSpec(2, 2, 1),
                Arrays.asList(new FlattenSpec("f"), null), Loss.DEFAULT)), "layer #2 is null");
    }

    @Test
    void enumsParseTheirConfigNames() {
        assertEquals(Loss.SOFTMAX_CROSS_ENTROPY, Loss.parse("Softmax-Cross-Entropy"));
        assertEquals("softmax-cross-entropy", Loss.SOFTMAX_CROSS_ENTROPY.configName());
        assertMessage(assertThrows(IllegalArgumentException.class, () -> Loss.parse("softmax_cross_entropy")),
                "unknown loss 'softmax_cross_entropy'; expected one of softmax-cross-entropy");
        assertEquals(ConvAlgorithmChoice.IM2COL, ConvAlgorithmChoice.parse("IM2COL"));
        assertEquals(WeightInit.XAVIER, WeightInit.parse("xavier"));
        assertEquals(Optional.of(LayerType.MAXPOOL2D), LayerType.fromConfigName("maxpool2d"));
        assertEquals(Optional.empty(), LayerType.fromConfigName("MaxPool2d"), "type names are exact");
        assertEquals("conv7", LayerType.CONV2D.generatedName(7));
    }
}
