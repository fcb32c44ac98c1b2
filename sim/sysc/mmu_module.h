// One CPU's TLBs, page-walk cache and walker as an sc_module: a thin shell around the Mmu model.
#pragma once
#include <systemc>

#include "sysc/interfaces.h"

namespace mmusim {

class MmuModule : public sc_core::sc_module, public TranslateIf {
 public:
  sc_core::sc_export<TranslateIf> translate_export;

  MmuModule(const sc_core::sc_module_name& name, const MmuConfig& cfg) : sc_module(name), mmu_(cfg) {
    translate_export.bind(*this);
  }

  Mmu& mmu_model() override { return mmu_; }

  const Mmu& mmu() const { return mmu_; }

 private:
  Mmu mmu_;
};

}  // namespace mmusim
