{
  "targets": [
    {
      "target_name": "native_kernels",
      "sources": ["src/native_kernels.c"],
      "cflags": ["-std=gnu11", "-ffp-contract=off", "-fno-math-errno", "-Wall", "-Wextra"],
      "libraries": ["-ldl", "-lpthread"]
    }
  ]
}
