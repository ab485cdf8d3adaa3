/*
 * Experiment (docs/cpu.md, "oneDNN for the window GEMMs"): MEC's forward window GEMMs of one layer, single-threaded,
 * with OpenBLAS's cblas_sgemm, oneDNN's dnnl_sgemm and oneDNN's matmul primitive (brgemm: reads the strided window in
 * place), alternating, 3 rounds. Row-major: window h is M = 32*o_w rows of K = k_h*k_w*i_c floats starting at
 * L + h*s_h*k_w*i_c with leading dimension lda = i_h*k_w*i_c, times the K x k_c kernel.
 *
 * Build against the natives in the Maven jars (org.bytedeco:dnnl:3.11-1.5.13 and openblas:0.3.31-1.5.13, linux-x86_64):
 *   mkdir -p /tmp/dnnl && cd /tmp/dnnl && for j in dnnl/3.11-1.5.13/dnnl-3.11-1.5.13 openblas/0.3.31-1.5.13/openblas-0.3.31-1.5.13; do
 *     unzip -o -q ~/.m2/repository/org/bytedeco/$j-linux-x86_64.jar; done
 *   D=$PWD/org/bytedeco/dnnl/linux-x86_64 O=$PWD/org/bytedeco/openblas/linux-x86_64
 *   gcc -O2 -o window-gemm ~-/dev/cpu/window-gemm-onednn.c -I $D/include -L $D -l:libdnnl.so.3 -L $O -l:libopenblas.so.0 \
 *       -Wl,-rpath,$D:$O
 * Run (arguments: o_w o_h i_h k_w k_h i_c k_c s_h), e.g. cv4:
 *   OMP_NUM_THREADS=1 env -u OPENBLAS_CORETYPE ./window-gemm 109 109 224 7 7 64 64 2
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "dnnl.h"
void cblas_sgemm(int, int, int, int, int, int, float, const float*, int, const float*, int, float, float*, int);
void openblas_set_num_threads(int);
char* openblas_get_corename(void);
static double now(){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec*1e-9;}
int main(int argc,char**argv){
  int n=32, ow=atoi(argv[1]), oh=atoi(argv[2]), ih=atoi(argv[3]), kw=atoi(argv[4]), kh=atoi(argv[5]), ic=atoi(argv[6]), kc=atoi(argv[7]), sh=atoi(argv[8]);
  long M=(long)n*ow, K=(long)kh*kw*ic, N=kc, lda=(long)ih*kw*ic;
  float*L=aligned_alloc(64,sizeof(float)*M*lda); float*B=aligned_alloc(64,sizeof(float)*K*N); float*C=aligned_alloc(64,sizeof(float)*M*N);
  for(long i=0;i<M*lda;i++)L[i]=(i%7)*0.1f; for(long i=0;i<K*N;i++)B[i]=(i%5)*0.1f;
  openblas_set_num_threads(1);
  printf("openblas core %s; M=%ld K=%ld N=%ld lda=%ld windows=%d\n",openblas_get_corename(),M,K,N,lda,oh);
  double flops=2.0*M*K*N*oh;
  for(int rep=0;rep<3;rep++){
    double t0=now();
    for(int h=0;h<oh;h++) cblas_sgemm(101,111,111,M,N,K,1.f,L+(long)h*sh*kw*ic,lda,B,N,0.f,C,N);
    double t1=now();
    for(int h=0;h<oh;h++) dnnl_sgemm('N','N',M,N,K,1.f,L+(long)h*sh*kw*ic,lda,B,N,0.f,C,N);
    double t2=now();
    printf("openblas %.1f ms %.0f GFLOP/s | dnnl_sgemm %.1f ms %.0f GFLOP/s\n",(t1-t0)*1e3,flops/(t1-t0)/1e9,(t2-t1)*1e3,flops/(t2-t1)/1e9);
  }
  dnnl_engine_t eng; dnnl_stream_t st; dnnl_engine_create(&eng, dnnl_cpu, 0); dnnl_stream_create(&st, eng, dnnl_stream_default_flags);
  dnnl_memory_desc_t smd, wmd, dmd; dnnl_dims_t sd={M,K}, ss={lda,1}, wd={K,N}, ws={N,1}, dd={M,N}, ds={N,1};
  dnnl_memory_desc_create_with_strides(&smd,2,sd,dnnl_f32,ss); dnnl_memory_desc_create_with_strides(&wmd,2,wd,dnnl_f32,ws); dnnl_memory_desc_create_with_strides(&dmd,2,dd,dnnl_f32,ds);
  dnnl_primitive_desc_t pd; int rc=dnnl_matmul_primitive_desc_create(&pd, eng, smd, wmd, NULL, dmd, NULL);
  if(rc){printf("matmul pd failed %d\n",rc);return 1;}
  const char* impl; dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &impl); printf("matmul impl %s\n", impl);
  dnnl_primitive_t p; dnnl_primitive_create(&p, pd);
  dnnl_memory_t sm, wm, dm; dnnl_memory_create(&sm, smd, eng, L); dnnl_memory_create(&wm, wmd, eng, B); dnnl_memory_create(&dm, dmd, eng, C);
  dnnl_exec_arg_t args[3]={{DNNL_ARG_SRC,sm},{DNNL_ARG_WEIGHTS,wm},{DNNL_ARG_DST,dm}};
  for(int rep=0;rep<3;rep++){
    double t0=now();
    for(int h=0;h<oh;h++){ dnnl_memory_set_data_handle(sm, L+(long)h*sh*kw*ic); dnnl_primitive_execute(p, st, 3, args);} dnnl_stream_wait(st);
    double t1=now();
    for(int h=0;h<oh;h++) cblas_sgemm(101,111,111,M,N,K,1.f,L+(long)h*sh*kw*ic,lda,B,N,0.f,C,N);
    double t2=now();
    printf("dnnl matmul %.1f ms %.0f GFLOP/s | openblas %.1f ms %.0f GFLOP/s\n",(t1-t0)*1e3,flops/(t1-t0)/1e9,(t2-t1)*1e3,flops/(t2-t1)/1e9);
  }
  return 0;
}
