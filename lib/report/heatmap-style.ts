// The heatmap's CSS (heatmap.ts), part of index.html's one hashed stylesheet. Colors by
// kind (k-*), pass cells by the share observed allowed (a0 none … a4 most); in print the
// heatmap and the pairs with problems are printed, the pod grids of all-pass pairs are not.
export const HEATMAP_CSS = `
.k-leak{background:var(--leak);color:#fff}.k-cleartext{background:var(--cleartext);color:#fff}.k-blocked{background:var(--blocked);color:#fff}.k-fail{background:var(--fail);color:#fff}.k-error{background:var(--error);color:#fff}
.k-pass.a0{background:#eef5ee}.k-pass.a1{background:#cfe8cf}.k-pass.a2{background:#9fd19f}.k-pass.a3{background:#5fae62;color:#fff}.k-pass.a4{background:#2e7d32;color:#fff}
.heatmap th,.heatmap td{border:1px solid var(--line)}.heatmap thead th{background:#f0f3f6;text-align:center;font-size:12px;overflow-wrap:anywhere}.heatmap th[scope=row]{background:#f0f3f6;font-size:12px;overflow-wrap:anywhere}
td.hm{padding:0;text-align:center;min-width:64px}td.hm a{display:block;padding:6px 4px;color:inherit;text-decoration:none}td.hm b{display:block;font-size:14px}td.hm span{display:block;font-size:10px;line-height:1.2}
td.hm.empty{background:repeating-linear-gradient(45deg,#fafbfc,#fafbfc 6px,#f0f3f6 6px,#f0f3f6 12px)}
.hm-legend .sw{width:14px;height:14px;border:1px solid var(--line)}
details.pair{border:1px solid var(--line);border-left:6px solid var(--pass);border-radius:6px;margin:6px 0;padding:2px 10px}
details.pair.p-leak{border-left-color:var(--leak)}details.pair.p-cleartext{border-left-color:var(--cleartext)}details.pair.p-blocked{border-left-color:var(--blocked)}details.pair.p-fail{border-left-color:var(--fail)}details.pair.p-error{border-left-color:var(--error)}
details.pair>summary{cursor:pointer;padding:4px 0}details.pair:target>summary{outline:2px solid #0969da}
.pods-wrap{overflow-x:auto}table.pods{width:auto;border-collapse:collapse;margin:4px 0}
.pods th{font-size:10px;font-weight:600;padding:1px 4px;border:0;color:var(--muted)}.pods th[scope=col]{vertical-align:bottom;text-align:center;padding:2px 0}.pods th[scope=col] span{display:inline-block;writing-mode:vertical-rl;transform:rotate(180deg);white-space:nowrap}.pods th[scope=row]{text-align:right}.pods th[scope=row] span{display:inline-block;max-width:260px;overflow-wrap:anywhere}
.pods td{width:16px;min-width:16px;height:16px;padding:0;border:1px solid #fff;text-align:center;font:700 10px/14px ui-monospace,monospace}.pods td a{display:block;color:inherit;text-decoration:none}
.pods td.none{background:repeating-linear-gradient(45deg,#fafbfc,#fafbfc 3px,#eceff1 3px,#eceff1 6px)}
.pair-problems{font-size:12px;margin:4px 0 6px}
table.problem-rows td{font-size:12px}
@media print{
 .hm-wrap.screen-only{display:none}details.pair.p-pass{display:none}details.pair{break-inside:auto;padding:2px 6px}details.pair>summary{list-style:none;font-weight:600}
 .heatmap th,.heatmap td{padding:2px}td.hm a{padding:3px 1px}td.hm b{font-size:11px}td.hm{min-width:0}
 table.pods{table-layout:auto;width:auto}.pods th{font-size:7px;padding:0 1px}.pods th[scope=row] span{max-width:45mm}.pods th[scope=col] span{white-space:normal;overflow-wrap:anywhere;max-height:40mm}
 .pods td{width:4.5mm;min-width:4.5mm;height:3.2mm;font-size:7px;line-height:3mm}td.hm span{font-size:8px}
 .pods tr,.heatmap tr{break-inside:avoid}table.heatmap{break-inside:avoid}
}
`;
