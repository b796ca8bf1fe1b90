/*!
 * \file emitters.h
 * \brief The five artifacts of a lowered TT kernel.
 */
#ifndef TILELANG_TT_SRC_CODEGEN_EMITTERS_H_
#define TILELANG_TT_SRC_CODEGEN_EMITTERS_H_

#include <tvm/tirx/function.h>

#include <string>

#include "program_info.h"

namespace tilelang_tt {
namespace codegen {

/*! \brief reader.cpp: DRAM -> input CBs (emit_reader_writer.cc). */
std::string EmitReader(const ProgramInfo &info, const tvm::tirx::PrimFunc &f);
/*! \brief writer.cpp: output CB -> DRAM (emit_reader_writer.cc). */
std::string EmitWriter(const ProgramInfo &info, const tvm::tirx::PrimFunc &f);
/*! \brief compute.cpp: the matmul kernel (emit_kernels.cc). */
std::string EmitCompute(const ProgramInfo &info, const tvm::tirx::PrimFunc &f);
/*! \brief main.cpp: the TT-Metalium host program (emit_program.cc). */
std::string EmitHostProgram(const ProgramInfo &info);
/*! \brief tt.plan.json (emit_program.cc). */
std::string EmitPlanJson(const ProgramInfo &info);

} // namespace codegen
} // namespace tilelang_tt

#endif // TILELANG_TT_SRC_CODEGEN_EMITTERS_H_
