// The factories of the textbook replacement policies, one per file of this folder.
#pragma once
#include "textbook/replacement_policy.h"

namespace mmusim {

std::unique_ptr<ReplacementPolicy> make_fifo_policy(std::size_t frames);
std::unique_ptr<ReplacementPolicy> make_lru_policy(std::size_t frames);
std::unique_ptr<ReplacementPolicy> make_opt_policy(std::size_t frames, const std::vector<RefPage>& refs);
std::unique_ptr<ReplacementPolicy> make_clock_policy(std::size_t frames);
std::unique_ptr<ReplacementPolicy> make_second_chance_policy(std::size_t frames);

}  // namespace mmusim
