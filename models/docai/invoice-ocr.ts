// Invoice OCR per customer: text detector + recognizer compiled with TensorRT (2Gi host, 2Gi GPU); high-volume customers get a larger recognizer.
import { defineModel } from 'modelfleet';

// Customers on the standard extraction plan.
const standardCustomers = [
  'alder-legal', 'alder-logistics', 'ashford-insurance', 'ashford-logistics', 'blackwell-insurance',
  'blackwell-medical', 'bluestone-freight', 'bluestone-payroll', 'bradford-claims', 'bradford-medical',
  'brookfield-medical', 'brookfield-shipping', 'calloway-accounting', 'calloway-freight', 'carver-accounting',
  'carver-freight', 'crossroads-insurance', 'crossroads-logistics', 'dalton-legal', 'dalton-mutual',
  'everett-claims', 'everett-freight', 'evergreen-legal', 'evergreen-payroll', 'fairmont-health',
  'fairmont-payroll', 'hartwell-medical', 'hartwell-payroll', 'holloway-medical', 'holloway-payroll',
  'ironclad-medical', 'ironclad-payroll', 'kendrick-medical', 'kendrick-property', 'keystone-logistics',
  'keystone-shipping', 'kingsley-logistics', 'kingsley-payroll', 'lockwood-accounting', 'lockwood-property',
  'pemberton-mutual', 'pemberton-payroll', 'prescott-health', 'prescott-payroll', 'radcliffe-claims',
  'radcliffe-freight', 'redline-freight', 'redline-insurance', 'sheffield-health', 'sheffield-property',
  'sterling-logistics', 'sterling-property', 'thornton-mutual', 'thornton-payroll', 'transit-accounting',
  'transit-freight', 'wexford-accounting', 'wexford-legal', 'whitmore-health', 'whitmore-payroll',
  'winslow-accounting', 'winslow-medical',
];

export default defineModel({
  name: 'invoice-ocr',
  framework: 'tensorrt',
  tier: 'interactive',
  artifact: 's3://ml-models-prod/docai/invoice-ocr/{tenant}',
  memory: '2Gi',
  gpuMemory: '2Gi',
  cpu: '500m',
  peakQps: 30,
  tenants: {
    'contoso-insurance': { memory: '3Gi', gpuMemory: '4Gi', cpu: '1', peakQps: 150 },
    'fabrikam-logistics': { memory: '3Gi', gpuMemory: '3Gi', cpu: '1', peakQps: 120 },
    ...Object.fromEntries(standardCustomers.map((customer) => [customer, {}])),
  },
});
