"""Print Markdown tables from run.py's JSON output (so RESULTS.md is copied, not retyped).

    .venv/bin/python benchmarks/matching/report.py /tmp/tb/eval.json
"""

import json
import sys

import synth


def main(path):
    d = json.load(open(path))
    sizes = d["sizes"]
    print(f"Run {d['date']} on {d['machine']}; args: `{json.dumps({k: v for k, v in d['args'].items() if k != 'out'})}`\n")
    print("| references | recall@1 | recall@10 | MRR | recall@1 above threshold | PDQ recall@1 | PDQ recall@10 "
          "| false match (out-of-register) | PDQ false match | wrong top-1 above threshold (in register) "
          "| wall p50 / p95 ms | CPU p50 / p95 ms | load avg | build img/s | index MB |")
    print("|" + "---|" * 15)
    for size, s in sizes.items():
        a = s["all"]
        print(f"| {int(size):,} | {a['recall@1']} | {a['recall@10']} | {a['mrr']} | {a['recall@1_above_threshold']} "
              f"| {a['pdq_recall@1']} | {a['pdq_recall@10']} | {s['false_match_out_of_register']} "
              f"| {s['pdq_false_match_out_of_register']} | {s['wrong_top1_above_threshold_in_register']} "
              f"| {s['latency_ms_p50']} / {s['latency_ms_p95']} | {s.get('cpu_ms_p50')} / {s.get('cpu_ms_p95')} "
              f"| {s.get('load_average_1min')} | {s['build_images_per_s']} | {s['index_mb']} |")
    print()
    for size, s in sizes.items():
        print(f"Per transform at {int(size):,} references (n per row = {s['all']['n'] // len(synth.CATEGORIES)}):\n")
        print("| transform | recall@1 | recall@10 | MRR | PDQ recall@1 | PDQ recall@10 |")
        print("|---|---|---|---|---|---|")
        for cat in synth.CATEGORIES:
            c = s.get(cat)
            if c:
                print(f"| {cat} | {c['recall@1']} | {c['recall@10']} | {c['mrr']} | {c['pdq_recall@1']} | {c['pdq_recall@10']} |")
        print()


if __name__ == "__main__":
    main(sys.argv[1])
