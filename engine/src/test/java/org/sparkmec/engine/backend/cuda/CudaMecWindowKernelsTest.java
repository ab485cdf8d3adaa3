package org.sparkmec.engine.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.sparkmec.engine.shape.ConvGeometry;

/**
 * The fused kernels' launch plans (no GPU needed): split counts on the layers they were measured on
 * (an H200's 132 multiprocessors), and that every plan's splits cover the reduction exactly once in
 * whole stages.
 */
class CudaMecWindowKernelsTest {
    private static final int H200_SMS = 132;

    private static ConvGeometry layer(int i, int ic, int k, int kc, int s, int p) {
        return new ConvGeometry(32, i, i, ic, k, k, kc, s, s, p, p);
    }

    @Test
    void forwardSplitsOnlyLayersWithFewOutputTiles() {
        assertEquals(1, CudaMecWindowKernels.forwardPlan(layer(227, 3, 11, 96, 4, 0), H200_SMS).splits(), "cv1");
        // cv8: 3,125 tiles of 128 x 64
        assertEquals(1, CudaMecWindowKernels.forwardPlan(layer(112, 64, 3, 128, 1, 0), H200_SMS).splits(), "cv8");
        // cv11: 36 x 4 = 144 tiles of 128 x 64 for 132 multiprocessors -> ceil(6 * 132 / 144)
        assertEquals(6, CudaMecWindowKernels.forwardPlan(layer(14, 256, 3, 256, 1, 0), H200_SMS).splits(), "cv11");
        // cv12: 7 x 8 = 56 tiles -> 15 (under the cap of 16, and 4608 / 15 rounded up to whole stages >= 256)
        assertEquals(15, CudaMecWindowKernels.forwardPlan(layer(7, 512, 3, 512, 1, 0), H200_SMS).splits(), "cv12");
        // ResNet's 7x7x512 pad 1: 13 x 8 tiles -> 8
        assertEquals(8, CudaMecWindowKernels.forwardPlan(layer(7, 512, 3, 512, 1, 1), H200_SMS).splits(), "r7");
        // TF32 keeps the wide tile (its tensor-core kernel): r7 in 25 x 8 tiles -> 4
        assertEquals(4, CudaMecWindowKernels.forwardPlan(layer(7, 512, 3, 512, 1, 1), H200_SMS, CudaMath.TF32).splits(), "r7 tf32");
    }

    @Test
    void weightGradientAimsAtAFewBlocksPerMultiprocessor() {
        // cv7: k_h*k_w*i_c = 27 rows, 64 columns: one tile, the most splits
        assertEquals(CudaMecWindowKernels.MAX_DK_SPLITS,
                CudaMecWindowKernels.weightGradientPlan(layer(224, 3, 3, 64, 1, 0), H200_SMS).splits(), "cv7");
        // cv4: 49 tiles -> 12 splits (the measured best was 8-16)
        assertEquals(12, CudaMecWindowKernels.weightGradientPlan(layer(224, 64, 7, 64, 2, 0), H200_SMS).splits(), "cv4");
        // cv12: 36 x 4 = 144 tiles of 128 x 128 -> round(4.5 * 132 / 144) = 4, but 800 reduction rows hold 3 splits
        assertEquals(3, CudaMecWindowKernels.weightGradientPlan(layer(7, 512, 3, 512, 1, 0), H200_SMS).splits(), "cv12");
        // cv12 under TF32: the wide tile, 72 x 8 = 576 tiles, no split
        assertEquals(1, CudaMecWindowKernels.weightGradientPlan(layer(7, 512, 3, 512, 1, 0), H200_SMS, CudaMath.TF32)
                .splits(), "cv12 tf32");
        // cv8: 5 tiles of 128 x 128 -> 119 splits (the measured best was 128)
        assertEquals(119, CudaMecWindowKernels.weightGradientPlan(layer(112, 64, 3, 128, 1, 0), H200_SMS).splits(), "cv8");
    }

    @Test
    void weightGradientOfManyChannelsTakesTheLargeTile() {
        ConvGeometry cv8 = layer(112, 64, 3, 128, 1, 0);
        assertEquals(CudaMecWindowKernels.DK_LARGE, CudaMecWindowKernels.weightGradientPlan(cv8, H200_SMS).tile());
        assertEquals(CudaMecWindowKernels.WIDE, CudaMecWindowKernels.weightGradientPlan(cv8, H200_SMS, CudaMath.TF32).tile());
        // cv1: 96 channels, 363 rows
        assertEquals(CudaMecWindowKernels.DK_LARGE,
                CudaMecWindowKernels.weightGradientPlan(layer(227, 3, 11, 96, 4, 0), H200_SMS).tile());
        // 64 channels (cv9), and 64 rows (a 1x1 layer on 64 channels) keep the wide tile
        assertEquals(CudaMecWindowKernels.WIDE,
                CudaMecWindowKernels.weightGradientPlan(layer(56, 64, 3, 64, 1, 0), H200_SMS).tile());
        assertEquals(CudaMecWindowKernels.WIDE,
                CudaMecWindowKernels.weightGradientPlan(layer(56, 64, 1, 256, 2, 0), H200_SMS).tile());
    }

    @Test
    void narrowOperandsGetNarrowTiles() {
        ConvGeometry cv7 = layer(224, 3, 3, 64, 1, 0);
        assertEquals(CudaMecWindowKernels.NARROW_ROWS, CudaMecWindowKernels.weightGradientPlan(cv7, H200_SMS).tile());
        assertEquals(CudaMecWindowKernels.NARROW_COLUMNS, CudaMecWindowKernels.loweredGradientPlan(cv7).tile());
        ConvGeometry cv3 = layer(227, 3, 7, 64, 2, 0);
        assertEquals(CudaMecWindowKernels.WIDE, CudaMecWindowKernels.weightGradientPlan(cv3, H200_SMS).tile());
        assertEquals(CudaMecWindowKernels.WIDE, CudaMecWindowKernels.loweredGradientPlan(cv3).tile());
        ConvGeometry cv9 = layer(56, 64, 3, 64, 1, 0);
        assertEquals(CudaMecWindowKernels.WIDE, CudaMecWindowKernels.loweredGradientPlan(cv9).tile());
        assertEquals(CudaMecWindowKernels.FORWARD_INPUT, CudaMecWindowKernels.forwardPlan(cv7, H200_SMS).tile());
        assertEquals(CudaMecWindowKernels.FORWARD, CudaMecWindowKernels.forwardPlan(cv9, H200_SMS).tile());
        assertEquals(CudaMecWindowKernels.WIDE, CudaMecWindowKernels.forwardPlan(cv9, H200_SMS, CudaMath.TF32).tile());
    }

    @Test
    void splitsCoverTheReductionOnceInWholeStages() {
        List<ConvGeometry> shapes = List.of(layer(227, 3, 11, 96, 4, 0), layer(7, 512, 3, 512, 1, 0),
                layer(112, 64, 3, 128, 1, 0),
                new ConvGeometry(1, 5, 5, 3, 5, 3, 3, 1, 4, 2, 1), new ConvGeometry(64, 10, 10, 8, 5, 3, 16, 2, 1, 2, 1));
        for (ConvGeometry g : shapes) {
            for (int sms : new int[] {1, 28, 132}) {
                for (CudaMecWindowKernels.Plan p : List.of(CudaMecWindowKernels.forwardPlan(g, sms),
                        CudaMecWindowKernels.forwardPlan(g, sms, CudaMath.TF32),
                        CudaMecWindowKernels.weightGradientPlan(g, sms),
                        CudaMecWindowKernels.weightGradientPlan(g, sms, CudaMath.TF32))) {
                    assertEquals(0, p.splitLength() % CudaMecWindowKernels.BK, p.toString());
                    assertTrue((long) p.splits() * p.splitLength() >= p.reduction(), p.toString());
                    assertTrue((long) (p.splits() - 1) * p.splitLength() < p.reduction(), p.toString());
                    assertTrue(p.splits() == 1 || p.splitLength() >= CudaMecWindowKernels.MIN_SPLIT_LENGTH, p.toString());
                }
            }
        }
    }
}
