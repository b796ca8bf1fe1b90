// Simulated "api/compute/common.h": runtime args on the compute side.
#pragma once
#include "tt_sim/kernel_api.hpp"
