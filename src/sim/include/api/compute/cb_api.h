// Simulated "api/compute/cb_api.h": circular buffers on the compute side.
#pragma once
#include "tt_sim/kernel_api.hpp"
