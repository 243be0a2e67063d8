// Kernels for the tfjs wasm backend that run natively over its heap (float32 memory JavaScript
// owns): sgemm from the system's OpenBLAS, and two small kernels a training step calls often.
// Results are written in place, so no operand or result is copied. Compiled without FMA contraction
// or fast-math: every float operation rounds as the wasm kernels' do.
#define _GNU_SOURCE
#include <cblas.h>
#include <dlfcn.h>
#include <limits.h>
#include <malloc.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <node_api.h>

#define CHECK(call)                                                            \
  do {                                                                         \
    if ((call) != napi_ok) {                                                   \
      napi_throw_error(env, NULL, "native-kernels: N-API call failed: " #call); \
      return NULL;                                                             \
    }                                                                          \
  } while (0)

enum { ACTIVATION_LINEAR = 0, ACTIVATION_RELU = 1 };

// OpenBLAS is opened at run time rather than linked, so that its kernel family can be chosen before
// it initialises (it reads OPENBLAS_CORETYPE once, when loaded).
static struct {
  __typeof__(cblas_sgemm)* sgemm;
  __typeof__(openblas_set_num_threads)* set_num_threads;
  __typeof__(openblas_get_config)* get_config;
  __typeof__(openblas_get_corename)* get_corename;
  const char* error;
} blas;
static pthread_once_t blas_once = PTHREAD_ONCE_INIT;

/*
 * OpenBLAS 0.3.21 identifies CPUs by model number; one it does not know (e.g. a recent Xeon in a VM)
 * gets its SSE3 "Prescott" kernels, ~5x slower than the AVX-512 ones. Unless the user chose a family,
 * pick it from the instruction sets the CPU reports; these kernels run on any CPU that has them.
 */
static void choose_core(void) {
#if defined(__x86_64__) && defined(__GNUC__)
  if (getenv("OPENBLAS_CORETYPE") != NULL) return;
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512cd")) {
    setenv("OPENBLAS_CORETYPE", "SkylakeX", 0);
  } else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    setenv("OPENBLAS_CORETYPE", "Haswell", 0);
  }
#endif
}

static void open_blas(void) {
  choose_core();
  // Each call is single-threaded (see sgemm): no pool of OpenBLAS threads is needed.
  setenv("OPENBLAS_NUM_THREADS", "1", 0);
  void* library = dlopen("libopenblas.so.0", RTLD_NOW | RTLD_LOCAL);
  if (library == NULL) {
    blas.error = dlerror();
    return;
  }
  blas.sgemm = (__typeof__(blas.sgemm))dlsym(library, "cblas_sgemm");
  blas.set_num_threads = (__typeof__(blas.set_num_threads))dlsym(library, "openblas_set_num_threads");
  blas.get_config = (__typeof__(blas.get_config))dlsym(library, "openblas_get_config");
  blas.get_corename = (__typeof__(blas.get_corename))dlsym(library, "openblas_get_corename");
  if (blas.sgemm == NULL || blas.set_num_threads == NULL || blas.get_config == NULL || blas.get_corename == NULL) {
    blas.error = "libopenblas.so.0 lacks cblas_sgemm or the openblas_* functions";
    return;
  }
  blas.set_num_threads(1);
}

static napi_value throw_range(napi_env env, const char* message) {
  napi_throw_range_error(env, NULL, message);
  return NULL;
}

// Whether [offset, offset + count) lies inside a heap of `length` floats.
static int inside(int64_t offset, int64_t count, size_t length) {
  return offset >= 0 && count >= 0 && (uint64_t)(offset + count) <= (uint64_t)length;
}

// Reads a Float32Array argument (the heap) and `count` integer arguments after it.
static float* heap_and_integers(napi_env env, napi_value* args, size_t count, int64_t* values, size_t* length) {
  napi_typedarray_type type;
  void* data;
  if (napi_get_typedarray_info(env, args[0], &type, length, &data, NULL, NULL) != napi_ok || type != napi_float32_array) {
    throw_range(env, "native-kernels: the heap must be a Float32Array");
    return NULL;
  }
  for (size_t i = 0; i < count; i++) {
    if (napi_get_value_int64(env, args[i + 1], &values[i]) != napi_ok) {
      throw_range(env, "native-kernels: expected integer arguments after the heap");
      return NULL;
    }
  }
  return data;
}

/*
 * The product is cut into blocks of output rows that depend on its shape only, never on the thread
 * count, and each block is one single-threaded OpenBLAS call: the threads only share out the blocks.
 * So every output is computed by the same call on the same operands for any number of threads, and
 * results are bit-identical across thread counts (OpenBLAS's own threading changes how it blocks the
 * inner dimension, and so the last bits, from one thread count to another).
 *
 * An even number of blocks of about 256 rows, each a multiple of 16 (OpenBLAS's row unrolling):
 * 256-row blocks cost one thread ~5 % over a single call, and an even count keeps two threads
 * balanced (784 rows, a kernel gradient of the seed network: 4 × ~200, not 3 × 256 + 16).
 */
static int64_t rows_per_block(int64_t m) {
  if (m < 32) return m;
  const int64_t pairs = (m + 256) / 512;
  const int64_t blocks = 2 * (pairs > 1 ? pairs : 1);
  return ((m + blocks - 1) / blocks + 15) / 16 * 16;
}

#define MAX_THREADS 64

/*
 * Blocks of work shared by the calling thread and helpers it starts. Helpers are detached and the
 * caller waits only for blocks that were claimed: on a busy machine a helper that starts late finds
 * nothing left and never touches the work, so more threads are never much slower than one. Which
 * thread runs a block never changes what the block computes. The pool is freed by whichever of them
 * lets go of it last; `work` lives on the caller's stack (only claimed blocks read it).
 */
struct pool {
  void (*run)(const void* work, int64_t block);
  const void* work;
  int64_t blocks;
  atomic_int_fast64_t next_block;
  atomic_int_fast64_t done_blocks;
  atomic_int references;
  pthread_mutex_t lock;
  pthread_cond_t all_done;
};

static void release_pool(struct pool* pool) {
  if (atomic_fetch_sub(&pool->references, 1) != 1) return;
  pthread_mutex_destroy(&pool->lock);
  pthread_cond_destroy(&pool->all_done);
  free(pool);
}

static void run_blocks(struct pool* pool) {
  for (int64_t block; (block = atomic_fetch_add(&pool->next_block, 1)) < pool->blocks;) {
    pool->run(pool->work, block);
    if (atomic_fetch_add(&pool->done_blocks, 1) + 1 == pool->blocks) {
      pthread_mutex_lock(&pool->lock);
      pthread_cond_broadcast(&pool->all_done);
      pthread_mutex_unlock(&pool->lock);
    }
  }
}

static void* helper(void* argument) {
  run_blocks(argument);
  release_pool(argument);
  return NULL;
}

/*
 * Threads worth starting for `size` elements: a helper costs a thread start (tens of µs), so each
 * gets at least `per_thread` elements. (Which thread computes an element never changes its value.)
 */
static int64_t useful_threads(int64_t threads, int64_t size, int64_t per_thread) {
  const int64_t useful = size / per_thread;
  return useful < 1 ? 1 : useful < threads ? useful : threads;
}

/* Runs run(work, 0..blocks-1) on up to `threads` threads; returns 0, or -1 when out of memory. */
static int parallel_for(int64_t blocks, int64_t threads, void (*run)(const void*, int64_t), const void* work) {
  if (threads <= 1 || blocks <= 1) {
    for (int64_t block = 0; block < blocks; block++) run(work, block);
    return 0;
  }
  struct pool* pool = malloc(sizeof *pool);
  if (pool == NULL) return -1;
  *pool = (struct pool){.run = run, .work = work, .blocks = blocks};
  atomic_init(&pool->next_block, 0);
  atomic_init(&pool->done_blocks, 0);
  atomic_init(&pool->references, 1);
  pthread_mutex_init(&pool->lock, NULL);
  pthread_cond_init(&pool->all_done, NULL);
  const int64_t helpers = (threads < blocks ? threads : blocks) - 1;
  pthread_attr_t detached;
  pthread_attr_init(&detached);
  pthread_attr_setdetachstate(&detached, PTHREAD_CREATE_DETACHED);
  for (int64_t i = 0; i < helpers; i++) {
    atomic_fetch_add(&pool->references, 1);
    pthread_t thread;
    // A helper that cannot start leaves its blocks to the others: the result is the same.
    if (pthread_create(&thread, &detached, helper, pool) != 0) {
      atomic_fetch_sub(&pool->references, 1);
      break;
    }
  }
  pthread_attr_destroy(&detached);
  run_blocks(pool);
  pthread_mutex_lock(&pool->lock);
  while (atomic_load(&pool->done_blocks) < pool->blocks) pthread_cond_wait(&pool->all_done, &pool->lock);
  pthread_mutex_unlock(&pool->lock);
  release_pool(pool);
  return 0;
}

// tfjs' relu on wasm: +0 for negatives and both zeros, NaN stays NaN.
static inline float relu(float x) { return x > 0.0f || x != x ? x : 0.0f; }

struct gemm_work {
  float* heap;
  int64_t m, n, k, a_offset, a_stride, b_offset, b_stride, c_offset, bias_offset, activation;
  int trans_a, trans_b;
  int64_t rows_per_block, blocks_per_matrix;
};

static void gemm_block(const void* argument, int64_t block) {
  const struct gemm_work* job = argument;
  const int64_t p = block / job->blocks_per_matrix;
  const int64_t first_row = (block % job->blocks_per_matrix) * job->rows_per_block;
  const int64_t rows = job->m - first_row < job->rows_per_block ? job->m - first_row : job->rows_per_block;
  const int64_t m = job->m, n = job->n, k = job->k;
  // Row-major op(A) rows first_row.. : A's rows when plain, A's columns (leading dimension m) when transposed.
  const float* a = job->heap + job->a_offset + p * job->a_stride + (job->trans_a ? first_row : first_row * k);
  const float* b = job->heap + job->b_offset + p * job->b_stride;
  float* c = job->heap + job->c_offset + p * m * n + first_row * n;
  blas.sgemm(CblasRowMajor, job->trans_a ? CblasTrans : CblasNoTrans, job->trans_b ? CblasTrans : CblasNoTrans, (int)rows,
             (int)n, (int)k, 1.0f, a, job->trans_a ? (int)m : (int)k, b, job->trans_b ? (int)k : (int)n, 0.0f, c, (int)n);
  if (job->bias_offset == -1 && job->activation == ACTIVATION_LINEAR) return;
  const float* bias = job->bias_offset == -1 ? NULL : job->heap + job->bias_offset;
  for (int64_t i = 0; i < rows; i++) {
    float* row = c + i * n;
    if (bias != NULL) {
      for (int64_t j = 0; j < n; j++) row[j] += bias[j];
    }
    if (job->activation == ACTIVATION_RELU) {
      for (int64_t j = 0; j < n; j++) row[j] = relu(row[j]);
    }
  }
}

/*
 * sgemm(heap, batch, m, n, k, transposeA, transposeB, aOffset, aStride, bOffset, bStride, cOffset,
 *       biasOffset, activation, threads)
 * For p in 0..batch: C_p = act(op(A_p) · op(B_p) + bias), all row-major and contiguous, where
 * X_p starts at xOffset + p × xStride floats of `heap` (a Float32Array; stride 0 broadcasts),
 * op(A_p) is m×k, op(B_p) is k×n, C_p is m×n (stride m·n), bias has n floats (biasOffset −1: none),
 * activation 0 is linear and 1 relu. Returns when the product is written.
 */
static napi_value sgemm(napi_env env, napi_callback_info info) {
  size_t argc = 15;
  napi_value args[15];
  CHECK(napi_get_cb_info(env, info, &argc, args, NULL, NULL));
  if (argc != 15) return throw_range(env, "native-kernels: sgemm takes 15 arguments");
  int64_t v[14];
  size_t length;
  float* heap = heap_and_integers(env, args, 14, v, &length);
  if (heap == NULL) return NULL;
  const int64_t batch = v[0], m = v[1], n = v[2], k = v[3], a_stride = v[7], b_stride = v[9], activation = v[12], threads = v[13];
  if (batch < 1 || m < 1 || n < 1 || k < 1 || m > INT32_MAX || n > INT32_MAX || k > INT32_MAX) {
    return throw_range(env, "native-kernels: dimensions must be positive 32-bit integers");
  }
  if (a_stride < 0 || b_stride < 0) return throw_range(env, "native-kernels: strides must be ≥ 0");
  if (activation != ACTIVATION_LINEAR && activation != ACTIVATION_RELU) {
    return throw_range(env, "native-kernels: activation must be 0 (linear) or 1 (relu)");
  }
  if (threads < 1 || threads > MAX_THREADS) return throw_range(env, "native-kernels: threads must be in 1..64");
  if (!inside(v[6], (batch - 1) * a_stride + m * k, length) || !inside(v[8], (batch - 1) * b_stride + k * n, length) ||
      !inside(v[10], batch * m * n, length) || (v[11] != -1 && !inside(v[11], n, length))) {
    return throw_range(env, "native-kernels: an operand lies outside the heap");
  }
  struct gemm_work work = {
      .heap = heap, .m = m, .n = n, .k = k, .trans_a = v[4] != 0, .trans_b = v[5] != 0, .a_offset = v[6],
      .a_stride = a_stride, .b_offset = v[8], .b_stride = b_stride, .c_offset = v[10], .bias_offset = v[11],
      .activation = activation, .rows_per_block = rows_per_block(m),
  };
  work.blocks_per_matrix = (m + work.rows_per_block - 1) / work.rows_per_block;
  if (parallel_for(batch * work.blocks_per_matrix, threads, gemm_block, &work) != 0) {
    napi_throw_error(env, NULL, "native-kernels: out of memory");
  }
  return NULL;
}

/*
 * Elementwise kernels for large tensors: one IEEE float operation per element, exactly what the
 * wasm kernels compute, in blocks of ELEMENTS_PER_BLOCK shared out between threads.
 */
#define ELEMENTS_PER_BLOCK 65536
enum { OP_ADD = 0, OP_MULTIPLY = 1, OP_RELU = 2, OP_STEP = 3, OP_SQUARE = 4 };
/* How b lines up with a (a is rows × columns, row-major): */
enum { B_NONE = 0, B_SAME = 1, B_SCALAR = 2, B_ROW = 3, B_COLUMN = 4 };

struct elementwise_work {
  const float* a;
  const float* b;
  float* out;
  int64_t size, columns, op, b_mode;
  float alpha;
};

/* out[t] = a[t] op b[t] over one contiguous run, b read with stride 1 or (b_stride 0) held at b[0]. */
static void binary_run(int64_t op, float* restrict out, const float* restrict a, const float* restrict b, int64_t count, int b_stride) {
  if (b_stride == 0) {
    const float scalar = b[0];
    if (op == OP_ADD) {
      for (int64_t t = 0; t < count; t++) out[t] = a[t] + scalar;
    } else {
      for (int64_t t = 0; t < count; t++) out[t] = a[t] * scalar;
    }
  } else if (op == OP_ADD) {
    for (int64_t t = 0; t < count; t++) out[t] = a[t] + b[t];
  } else {
    for (int64_t t = 0; t < count; t++) out[t] = a[t] * b[t];
  }
}

static void elementwise_block(const void* argument, int64_t block) {
  const struct elementwise_work* w = argument;
  const int64_t start = block * ELEMENTS_PER_BLOCK;
  const int64_t end = start + ELEMENTS_PER_BLOCK < w->size ? start + ELEMENTS_PER_BLOCK : w->size;
  const float* restrict a = w->a;
  float* restrict out = w->out;
  switch (w->op) {
    case OP_RELU:
      for (int64_t i = start; i < end; i++) out[i] = relu(a[i]);
      return;
    case OP_STEP: {  // tfjs: 1 above zero, alpha otherwise, NaN stays NaN (written as selects: no branches)
      const float alpha = w->alpha;
      for (int64_t i = start; i < end; i++) {
        const float x = a[i];
        const float step = x > 0.0f ? 1.0f : alpha;
        out[i] = x != x ? x : step;
      }
      return;
    }
    case OP_SQUARE:
      for (int64_t i = start; i < end; i++) out[i] = a[i] * a[i];
      return;
  }
  // Binary: cut [start, end) into runs along which b's element is fixed (scalar, column) or
  // advances with a's (same shape, row), so that each run is one loop the compiler vectorises.
  const int64_t columns = w->columns;
  for (int64_t i = start; i < end;) {
    const int64_t row_end = (i / columns + 1) * columns;
    int64_t count = end - i;
    const float* b;
    int b_stride = 1;
    switch (w->b_mode) {
      case B_SAME: b = w->b + i; break;
      case B_SCALAR: b = w->b; b_stride = 0; break;
      case B_ROW: b = w->b + i % columns; count = row_end < end ? row_end - i : count; break;
      default: b = w->b + i / columns; b_stride = 0; count = row_end < end ? row_end - i : count; break;
    }
    binary_run(w->op, out + i, a + i, b, count, b_stride);
    i += count;
  }
}

/*
 * elementwise(heap, op, size, columns, aOffset, bOffset, bMode, outOffset, alpha, threads):
 * out = op(a, b) over `size` floats; a is read as rows × `columns`; b per bMode (none for unary
 * ops, same shape, scalar, one row of `columns` repeated, one value per row); alpha is step's.
 */
static napi_value elementwise(napi_env env, napi_callback_info info) {
  size_t argc = 10;
  napi_value args[10];
  CHECK(napi_get_cb_info(env, info, &argc, args, NULL, NULL));
  if (argc != 10) return throw_range(env, "native-kernels: elementwise takes 10 arguments");
  int64_t v[9];
  size_t length;
  float* heap = heap_and_integers(env, args, 7, v, &length);
  if (heap == NULL) return NULL;
  double alpha;
  int64_t threads;
  if (napi_get_value_double(env, args[8], &alpha) != napi_ok || napi_get_value_int64(env, args[9], &threads) != napi_ok) {
    return throw_range(env, "native-kernels: alpha and threads must be numbers");
  }
  const int64_t op = v[0], size = v[1], columns = v[2], b_mode = v[5];
  if (op < OP_ADD || op > OP_SQUARE) return throw_range(env, "native-kernels: unknown elementwise operation");
  const int binary = op == OP_ADD || op == OP_MULTIPLY;
  if (binary ? b_mode < B_SAME || b_mode > B_COLUMN : b_mode != B_NONE) return throw_range(env, "native-kernels: bad operand mode");
  if (size < 1 || columns < 1 || size % columns != 0) return throw_range(env, "native-kernels: size must be rows × columns");
  if (threads < 1 || threads > MAX_THREADS) return throw_range(env, "native-kernels: threads must be in 1..64");
  const int64_t b_size = b_mode == B_SAME ? size : b_mode == B_SCALAR ? 1 : b_mode == B_ROW ? columns : size / columns;
  if (!inside(v[3], size, length) || !inside(v[6], size, length) || (binary && !inside(v[4], b_size, length))) {
    return throw_range(env, "native-kernels: an operand lies outside the heap");
  }
  const struct elementwise_work work = {
      .a = heap + v[3], .b = binary ? heap + v[4] : NULL, .out = heap + v[6], .size = size, .columns = columns,
      .op = op, .b_mode = b_mode, .alpha = (float)alpha,
  };
  // One pass costs ~0.2 ns per element: two threads gain only from about a million elements.
  const int64_t blocks = (size + ELEMENTS_PER_BLOCK - 1) / ELEMENTS_PER_BLOCK;
  if (parallel_for(blocks, useful_threads(threads, size, 1 << 19), elementwise_block, &work) != 0) {
    napi_throw_error(env, NULL, "native-kernels: out of memory");
  }
  return NULL;
}

/*
 * columnSums(heap, rows, columns, xOffset, outOffset): out[j] = Σ_i x[i][j], adding the rows in
 * order (each column's terms in the order the wasm Sum kernel adds them, so the sums are the same).
 */
static napi_value column_sums(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value args[5];
  CHECK(napi_get_cb_info(env, info, &argc, args, NULL, NULL));
  if (argc != 5) return throw_range(env, "native-kernels: columnSums takes 5 arguments");
  int64_t v[4];
  size_t length;
  float* heap = heap_and_integers(env, args, 4, v, &length);
  if (heap == NULL) return NULL;
  const int64_t rows = v[0], columns = v[1];
  if (rows < 1 || columns < 1) return throw_range(env, "native-kernels: rows and columns must be ≥ 1");
  if (!inside(v[2], rows * columns, length) || !inside(v[3], columns, length)) {
    return throw_range(env, "native-kernels: an operand lies outside the heap");
  }
  const float* restrict x = heap + v[2];
  float* restrict out = heap + v[3];
  for (int64_t j = 0; j < columns; j++) out[j] = 0.0f;
  for (int64_t i = 0; i < rows; i++) {
    const float* restrict row = x + i * columns;
    for (int64_t j = 0; j < columns; j++) out[j] += row[j];
  }
  return NULL;
}

/*
 * adam(heap, size, valueOffset, gradientOffset, mOffset, vOffset, newValueOffset, newMOffset,
 *      newVOffset, coefficients, threads) — Adam's update of one variable as tfjs computes it, operation by
 * operation: m' = m·β1 + g·(1−β1), v' = v·β2 + g²·(1−β2), w' = (m'/c1) / (√(v'/c2) + ε) · (−lr) + w,
 * where coefficients is a Float32Array [β1, β2, 1−β1, 1−β2, ε, −lr, c1, c2] (c = 1 − β^t).
 */
struct adam_work {
  const float *w, *g, *m0, *v0;
  float *w1, *m1, *v1;
  int64_t size;
  float beta1, beta2, one_minus_beta1, one_minus_beta2, epsilon, step, correction1, correction2;
};

/* One block of Adam's update; parameters rather than reads through the work struct, so it vectorises. */
static void adam_run(const float* restrict w, const float* restrict g, const float* restrict m0, const float* restrict v0,
                     float* restrict w1, float* restrict m1, float* restrict v1, int64_t count, float beta1, float beta2,
                     float one_minus_beta1, float one_minus_beta2, float epsilon, float step, float correction1, float correction2) {
  for (int64_t i = 0; i < count; i++) {
    const float grad = g[i];
    const float first = m0[i] * beta1 + grad * one_minus_beta1;
    const float second = v0[i] * beta2 + (grad * grad) * one_minus_beta2;
    m1[i] = first;
    v1[i] = second;
    w1[i] = ((first / correction1) / (sqrtf(second / correction2) + epsilon)) * step + w[i];
  }
}

static void adam_block(const void* argument, int64_t block) {
  const struct adam_work* a = argument;
  const int64_t start = block * ELEMENTS_PER_BLOCK;
  const int64_t end = start + ELEMENTS_PER_BLOCK < a->size ? start + ELEMENTS_PER_BLOCK : a->size;
  adam_run(a->w + start, a->g + start, a->m0 + start, a->v0 + start, a->w1 + start, a->m1 + start, a->v1 + start, end - start,
           a->beta1, a->beta2, a->one_minus_beta1, a->one_minus_beta2, a->epsilon, a->step, a->correction1, a->correction2);
}

static napi_value adam(napi_env env, napi_callback_info info) {
  size_t argc = 11;
  napi_value args[11];
  CHECK(napi_get_cb_info(env, info, &argc, args, NULL, NULL));
  if (argc != 11) return throw_range(env, "native-kernels: adam takes 11 arguments");
  int64_t v[8];
  size_t length;
  float* heap = heap_and_integers(env, args, 8, v, &length);
  if (heap == NULL) return NULL;
  napi_typedarray_type type;
  size_t count;
  void* data;
  if (napi_get_typedarray_info(env, args[9], &type, &count, &data, NULL, NULL) != napi_ok || type != napi_float32_array ||
      count != 8) {
    return throw_range(env, "native-kernels: adam's coefficients must be a Float32Array of 8");
  }
  int64_t threads;
  if (napi_get_value_int64(env, args[10], &threads) != napi_ok || threads < 1 || threads > MAX_THREADS) {
    return throw_range(env, "native-kernels: threads must be in 1..64");
  }
  const int64_t size = v[0];
  if (size < 1) return throw_range(env, "native-kernels: size must be ≥ 1");
  for (int i = 1; i < 8; i++) {
    if (!inside(v[i], size, length)) return throw_range(env, "native-kernels: an operand lies outside the heap");
  }
  const float* c = data;
  const struct adam_work work = {
      .w = heap + v[1], .g = heap + v[2], .m0 = heap + v[3], .v0 = heap + v[4], .w1 = heap + v[5], .m1 = heap + v[6],
      .v1 = heap + v[7], .size = size, .beta1 = c[0], .beta2 = c[1], .one_minus_beta1 = c[2], .one_minus_beta2 = c[3],
      .epsilon = c[4], .step = c[5], .correction1 = c[6], .correction2 = c[7],
  };
  // ~1.2 ns per element (two divisions and a square root): two threads gain from ~250 000 elements.
  const int64_t blocks = (size + ELEMENTS_PER_BLOCK - 1) / ELEMENTS_PER_BLOCK;
  if (parallel_for(blocks, useful_threads(threads, size, 1 << 17), adam_block, &work) != 0) {
    napi_throw_error(env, NULL, "native-kernels: out of memory");
  }
  return NULL;
}

/*
 * gatherRows(out, source, order, start, count, rowLength): row r of `out` (a Float32Array) becomes
 * row order[start + r] of `source` (a Uint8Array of rows), each byte converted to float32 (exact).
 * A batch's pixels from the uint8 dataset: one pass, where JavaScript converts element by element.
 */
#define GATHER_AHEAD 4

static napi_value gather_rows(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value args[6];
  CHECK(napi_get_cb_info(env, info, &argc, args, NULL, NULL));
  if (argc != 6) return throw_range(env, "native-kernels: gatherRows takes 6 arguments");
  napi_typedarray_type out_type, source_type, order_type;
  size_t out_length, source_length, order_length;
  void *out_data, *source_data, *order_data;
  if (napi_get_typedarray_info(env, args[0], &out_type, &out_length, &out_data, NULL, NULL) != napi_ok || out_type != napi_float32_array ||
      napi_get_typedarray_info(env, args[1], &source_type, &source_length, &source_data, NULL, NULL) != napi_ok || source_type != napi_uint8_array ||
      napi_get_typedarray_info(env, args[2], &order_type, &order_length, &order_data, NULL, NULL) != napi_ok || order_type != napi_uint32_array) {
    return throw_range(env, "native-kernels: gatherRows takes a Float32Array, a Uint8Array and a Uint32Array");
  }
  int64_t start, count, row_length;
  if (napi_get_value_int64(env, args[3], &start) != napi_ok || napi_get_value_int64(env, args[4], &count) != napi_ok ||
      napi_get_value_int64(env, args[5], &row_length) != napi_ok) {
    return throw_range(env, "native-kernels: gatherRows' start, count and row length must be integers");
  }
  if (row_length < 1 || !inside(start, count, order_length) || !inside(0, count * row_length, out_length)) {
    return throw_range(env, "native-kernels: gatherRows' rows lie outside its arrays");
  }
  const uint32_t* order = (const uint32_t*)order_data + start;
  const uint64_t source_rows = source_length / (uint64_t)row_length;
  for (int64_t r = 0; r < count; r++) {
    if (order[r] >= source_rows) return throw_range(env, "native-kernels: gatherRows' order names a row outside the source");
  }
  float* out = out_data;
  const uint8_t* source = source_data;
  for (int64_t r = 0; r < count; r++) {
    // The rows are scattered over the dataset: ask for a later row's lines while converting this one.
    if (r + GATHER_AHEAD < count) {
      const uint8_t* later = source + (uint64_t)order[r + GATHER_AHEAD] * (uint64_t)row_length;
      for (int64_t j = 0; j < row_length; j += 64) __builtin_prefetch(later + j);
    }
    const uint8_t* row = source + (uint64_t)order[r] * (uint64_t)row_length;
    float* target = out + r * row_length;
    for (int64_t j = 0; j < row_length; j++) target[j] = (float)row[j];
  }
  return NULL;
}

static napi_value describe(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result, config, core;
  CHECK(napi_create_object(env, &result));
  CHECK(napi_create_string_utf8(env, blas.get_config(), NAPI_AUTO_LENGTH, &config));
  CHECK(napi_create_string_utf8(env, blas.get_corename(), NAPI_AUTO_LENGTH, &core));
  CHECK(napi_set_named_property(env, result, "config", config));
  CHECK(napi_set_named_property(env, result, "core", core));
  return result;
}

// glibc's mallopt options; 0 (cannot be set) where the C library has no such option.
#ifndef M_MMAP_THRESHOLD
#define M_MMAP_THRESHOLD 0
#endif
#ifndef M_ARENA_MAX
#define M_ARENA_MAX 0
#endif

/* mallopt(option, value) for a value in 1..max taken from JavaScript; false where it cannot be set. */
static napi_value set_malloc_option(napi_env env, napi_callback_info info, int option, int64_t max, const char* usage) {
  size_t argc = 1;
  napi_value arg, result;
  int64_t value = 0;
  CHECK(napi_get_cb_info(env, info, &argc, &arg, NULL, NULL));
  if (argc < 1 || napi_get_value_int64(env, arg, &value) != napi_ok) return throw_range(env, usage);
  const int set = option != 0 && value > 0 && value <= max && mallopt(option, (int)value) == 1;
  CHECK(napi_get_boolean(env, set, &result));
  return result;
}

/*
 * glibc raises its mmap threshold (up to 32 MiB) each time a mapped block is freed; from then on
 * blocks of megabytes (a checkpoint's buffers, the database driver's copies of them) come from its
 * arenas, which keep what is freed. A fixed threshold keeps such blocks mapped, returned when freed.
 * Process-wide.
 */
static napi_value set_mmap_threshold(napi_env env, napi_callback_info info) {
  return set_malloc_option(env, info, M_MMAP_THRESHOLD, INT_MAX, "native-kernels: setMmapThreshold takes a byte count");
}

/*
 * glibc gives a thread that finds the arenas busy a new one (up to 8 per core), and each keeps the
 * memory freed into it; a training process has its main thread, training threads, V8's and libuv's
 * threads and the GEMM helpers. Caps the arenas created from now on. Process-wide.
 */
static napi_value set_arena_max(napi_env env, napi_callback_info info) {
  return set_malloc_option(env, info, M_ARENA_MAX, MAX_THREADS, "native-kernels: setArenaMax takes a count");
}

/*
 * glibc's arenas keep the memory freed into them resident: V8's compiler and GC threads each fill an
 * arena of their own with short-lived blocks, and only an arena's top is ever given back. malloc_trim
 * returns every free page of every arena to the system. Process-wide; true where memory was released.
 */
static napi_value trim_malloc(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result;
#ifdef __GLIBC__
  const int released = malloc_trim(0) == 1;
#else
  const int released = 0;
#endif
  CHECK(napi_get_boolean(env, released, &result));
  return result;
}

NAPI_MODULE_INIT() {
  pthread_once(&blas_once, open_blas);
  if (blas.error != NULL) {
    napi_throw_error(env, NULL, blas.error);
    return NULL;
  }
  const napi_property_descriptor properties[] = {
      {"sgemm", NULL, sgemm, NULL, NULL, NULL, napi_enumerable, NULL},
      {"elementwise", NULL, elementwise, NULL, NULL, NULL, napi_enumerable, NULL},
      {"columnSums", NULL, column_sums, NULL, NULL, NULL, napi_enumerable, NULL},
      {"adam", NULL, adam, NULL, NULL, NULL, napi_enumerable, NULL},
      {"gatherRows", NULL, gather_rows, NULL, NULL, NULL, napi_enumerable, NULL},
      {"describe", NULL, describe, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setMmapThreshold", NULL, set_mmap_threshold, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setArenaMax", NULL, set_arena_max, NULL, NULL, NULL, napi_enumerable, NULL},
      {"trimMalloc", NULL, trim_malloc, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof properties / sizeof properties[0], properties) != napi_ok) return NULL;
  return exports;
}
