// An event (models/common/event.h) in the words of `mmusim explain --emit text`.
#pragma once
#include <string>

#include "common/event.h"

namespace mmusim {

// The sentence of `e`; empty for the events text leaves out (TLB flushes and INVLPGs, which only
// the view draws). record and record_end are written by the Explainer, which owns the line.
std::string event_text(const Event& e);

}  // namespace mmusim
