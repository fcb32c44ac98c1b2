// The memory system of the modes with guests, as an sc_module: per VM the guest OS and KVM in the
// paging mode chosen (shadow: ShadowMmu; nested: TdpMmu), bound through a port to the host module.
// Shared by every vCPU.
#pragma once
#include <map>
#include <memory>
#include <systemc>
#include <utility>
#include <vector>

#include "guest/guest_os.h"
#include "kvm/mmu_shrink.h"
#include "kvm/shadow_mmu.h"
#include "kvm/tdp_mmu.h"
#include "sysc/host_module.h"
#include "sysc/interfaces.h"

namespace mmusim {

struct VmMemoryConfig {
  bool nested = false;  // TdpMmu (two-dimensional paging) rather than ShadowMmu
  bool mmu_shrink = false;  // register KVM's shrinker with the host (kvm.mmu_shrink)
  unsigned vms = 1, vcpus_per_vm = 1;
  std::uint64_t guest_frames = 0;
  Cycles guest_fault_cycles = 0;
  bool guest_dirty_at_fault = true;
  bool guest_thp = false;  // guest.thp = always
  HugetlbRange guest_hugetlb_1g;  // guest.hugetlb_1g_gib and _at
  sc_core::sc_time period;
  KvmConfig kvm;
};

class VmMemory : public sc_core::sc_module, public MemorySystem {
 public:
  sc_core::sc_export<MemoryIf> memory_export;
  sc_core::sc_port<HostIf> host;

  VmMemory(const sc_core::sc_module_name& name, const VmMemoryConfig& cfg);

  void attach_cpu(unsigned cpu, Mmu* mmu, PendingWork* pending) override;
  Cr3Load switch_to(unsigned cpu, std::uint16_t vm, std::uint32_t pid) override;
  CauseCycles handle_fault(unsigned cpu, Vpn vpn, bool write, bool fetch, const Translation& t) override;
  CauseCycles finish_fault(unsigned cpu) override {
    return is_host_cpu(cpu) ? CauseCycles{} : kvms_.at(vm_of(cpu))->finish_fault(cpu);
  }
  void detach_cpu(unsigned cpu) override {
    if (!is_host_cpu(cpu)) kvms_.at(vm_of(cpu))->vcpu_finished(cpu);
  }

  sc_core::sc_export<MemoryIf>& memory_port() override { return memory_export; }
  void fill_summary(RunSummary& s) const override;
  std::vector<std::string> check(const Mmu& mmu) const override;
  void set_explain(EventSink* sink) override;

 private:
  void end_of_elaboration() override;
  unsigned vm_of(unsigned cpu) const { return cpu / cfg_.vcpus_per_vm; }
  // CPUs from vms * vcpus_per_vm on are host CPUs: they run the host's own processes natively
  // on the host's page tables (HostMemory::add_process), sharing its frames, LRU and swap.
  bool is_host_cpu(unsigned cpu) const { return cpu >= cfg_.vms * cfg_.vcpus_per_vm; }
  // The host mm of host process `pid` (made at its first switch), and the TLB context it runs in.
  std::uint16_t process_mm(std::uint32_t pid, std::uint32_t ctx);
  Cycles now() const { return sc_core::sc_time_stamp().value() / cfg_.period.value(); }

  VmMemoryConfig cfg_;
  std::vector<std::unique_ptr<GuestOs>> guests_;
  std::vector<std::unique_ptr<Kvm>> kvms_;
  MmuShrink mmu_shrink_;
  std::map<std::pair<std::uint16_t, std::uint32_t>, std::uint32_t> ctx_of_;
  std::vector<std::pair<std::uint16_t, std::uint32_t>> who_;  // ctx -> (vm, pid)
  std::vector<bool> loaded_;                                  // per CPU: has it loaded a CR3 yet
  std::map<unsigned, Mmu*> host_cpus_;                        // host CPU -> its TLBs
  std::map<unsigned, std::uint16_t> running_mm_;              // host CPU -> the mm it runs
  std::map<std::uint32_t, std::uint16_t> process_mm_;         // host pid -> its mm
};

}  // namespace mmusim
