// Runs one emitted data-movement kernel for one core: argv = its runtime args.
#include <cstdint>
#include <cstdlib>
#include <vector>

std::vector<uint32_t> g_runtime_args;
void kernel_main();

int main(int argc, char **argv) {
  for (int i = 1; i < argc; ++i) {
    g_runtime_args.push_back(
        static_cast<uint32_t>(std::strtoul(argv[i], nullptr, 10)));
  }
  kernel_main();
  return 0;
}
