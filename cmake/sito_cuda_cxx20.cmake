# CMake 3.25 does not know that nvcc 12+ speaks C++20; the engine's headers
# need it. Included after enable_language(CUDA) by kernels/ and by the
# standalone GPU build (kernels/standalone).
if(NOT CMAKE_CUDA20_STANDARD_COMPILE_OPTION)
  set(CMAKE_CUDA20_STANDARD_COMPILE_OPTION "-std=c++20")
  set(CMAKE_CUDA20_EXTENSION_COMPILE_OPTION "-std=c++20")
  list(APPEND CMAKE_CUDA_COMPILE_FEATURES cuda_std_20)
endif()
