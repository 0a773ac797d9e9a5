// Per-customer document-type classifier (invoice, receipt, contract, ...): a small ONNX text+layout model on CPU (512Mi, 250m).
import { defineModel } from 'modelfleet';

export default defineModel({
  name: 'doc-classifier',
  framework: 'onnx',
  tier: 'batch',
  artifact: 's3://ml-models-prod/docai/doc-classifier/{tenant}',
  memory: '512Mi',
  cpu: '250m',
  peakQps: 50,
  tenants: [
    'bluestone-freight', 'bluestone-payroll', 'bradford-claims', 'bradford-medical', 'calloway-accounting',
    'calloway-freight', 'everett-claims', 'everett-freight', 'evergreen-legal', 'evergreen-payroll',
    'holloway-medical', 'holloway-payroll', 'keystone-logistics', 'keystone-shipping', 'redline-freight',
    'redline-insurance', 'sheffield-health', 'sheffield-property', 'sterling-logistics', 'sterling-property',
    'thornton-mutual', 'thornton-payroll', 'transit-accounting', 'transit-freight', 'wexford-accounting',
    'wexford-legal', 'whitmore-health', 'whitmore-payroll', 'winslow-accounting', 'winslow-medical',
  ],
});
