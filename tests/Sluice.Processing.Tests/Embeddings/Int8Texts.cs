namespace Sluice.Processing.Tests.Embeddings;

/// <summary>
/// Texts for the int8 gate: short queries, single sentences of many kinds, and passages of a chunk's size in the
/// style of a scientific abstract, each passage with a claim that it answers.
/// </summary>
internal static class Int8Texts
{
    /// <summary>Passages of about 150 to 200 words on distinct subjects.</summary>
    public static readonly string[] Passages =
    [
        "Vitamin D supplementation and fracture risk in older adults. We conducted a randomised, placebo-controlled trial " +
        "of 2,256 community-dwelling women aged 70 years or older who were considered at high risk of fracture. " +
        "Participants received a single annual oral dose of 500,000 IU of cholecalciferol or placebo in autumn or winter " +
        "for three to five years. Falls were ascertained with monthly calendars and fractures were confirmed by " +
        "radiology reports. Women in the vitamin D group had 15% more falls and 26% more fractures than those in the " +
        "placebo group, and the excess was concentrated in the first three months after each dose, when serum " +
        "25-hydroxyvitamin D levels were highest. Annual high-dose oral vitamin D therefore did not protect against " +
        "fractures and appeared to increase the risk of both falls and fractures. These findings suggest that the " +
        "dosing regimen matters and that very large intermittent doses should be avoided in elderly women. Smaller " +
        "daily or weekly doses may have different effects and remain to be evaluated in adequately powered trials.",

        "Off-target effects of CRISPR-Cas9 nucleases in human cells. Genome editing with the RNA-guided Cas9 nuclease " +
        "is efficient, but the enzyme can also cut genomic sites that resemble the intended target. We used an unbiased " +
        "genome-wide assay that captures double-strand breaks by integrating a short tagged oligonucleotide, followed by " +
        "deep sequencing, to profile the cleavage sites of thirteen guide RNAs in two human cell lines. The number of " +
        "off-target sites varied from none to more than one hundred and fifty per guide, and many were not predicted " +
        "by existing computational tools because they carried bulges or up to six mismatches. Truncated guide RNAs " +
        "of seventeen or eighteen nucleotides reduced off-target cleavage by up to five thousand fold without " +
        "reducing on-target efficiency. We also identified breakpoint hotspots that led to translocations. The method " +
        "provides a sensitive way to evaluate the specificity of new nucleases before they are used therapeutically.",

        "The gut microbiota of obese and lean twins. To study the relationship between intestinal bacteria and body " +
        "weight, we characterised the faecal microbial communities of 154 adult female monozygotic and dizygotic twins " +
        "concordant for leanness or obesity, and of their mothers. The microbiota was shared more within families than " +
        "between them, yet each person's community was distinct. Obesity was associated with reduced bacterial " +
        "diversity, a lower proportion of Bacteroidetes and an enrichment of genes involved in carbohydrate and lipid " +
        "metabolism. When germ-free mice were colonised with the faecal bacteria of an obese twin, they gained more fat " +
        "mass than mice colonised with bacteria from the lean co-twin, and cohousing the animals prevented the increase " +
        "when the lean community invaded. These results indicate that the microbial community contributes to adiposity " +
        "and that its effect depends on diet and on exchanges between hosts.",

        "Statin therapy for the primary prevention of cardiovascular disease. We performed a meta-analysis of individual " +
        "participant data from 27 randomised trials that included 174,000 people at low risk of vascular events. Each " +
        "reduction of one millimole per litre in low-density lipoprotein cholesterol achieved with a statin lowered the " +
        "risk of major vascular events by about one fifth, and the proportional benefit was similar in people whose " +
        "five-year risk was below ten percent. The absolute benefit in these low-risk groups greatly exceeded any known " +
        "hazards of treatment, including a small excess of diabetes and rare cases of muscle damage. There was no " +
        "increase in cancer incidence or in death from non-vascular causes. The findings support lowering cholesterol " +
        "with statins in people whose risk of a heart attack or stroke is lower than current guidelines consider.",

        "Sleep after learning promotes the consolidation of declarative memories. Healthy young volunteers learned lists " +
        "of word pairs in the evening and were tested either after a night of normal sleep or after a night of total sleep " +
        "deprivation followed by a recovery night. Recall of the word pairs was substantially better after sleep, and " +
        "the benefit correlated with the amount of slow-wave sleep and with the density of sleep spindles recorded by " +
        "electroencephalography. Functional imaging showed that, after sleep, retrieval engaged the medial prefrontal " +
        "cortex more and the hippocampus less, suggesting a transfer of memory traces between these regions. Targeted " +
        "reactivation with odours presented during slow-wave sleep further improved recall. The results support the view " +
        "that the sleeping brain replays recent experience to stabilise memories for the long term.",

        "Artemisinin resistance in Plasmodium falciparum malaria. Artemisinin combination therapies are the first-line " +
        "treatment of falciparum malaria worldwide, and resistance would endanger malaria control. We studied parasite " +
        "clearance in patients treated with artesunate in western Cambodia and in north-western Thailand and sequenced " +
        "the parasites' genomes. Slow clearance, defined by a half-life of more than five hours, was strongly associated " +
        "with mutations in the propeller domain of the kelch13 gene, and parasites carrying these mutations survived " +
        "exposure to the drug in a ring-stage survival assay. The mutant alleles spread rapidly between 2001 and 2012 and " +
        "arose independently in several places. Monitoring kelch13 mutations offers a molecular marker for surveillance, " +
        "and containment efforts are urgently needed to prevent resistance from reaching Africa.",
    ];

    /// <summary>One claim per passage, in the same order: each is answered by the passage of its index.</summary>
    public static readonly string[] Queries =
    [
        "Large annual doses of vitamin D increase falls and fractures in elderly women.",
        "Shorter guide RNAs reduce off-target cutting by Cas9.",
        "Bacteria from obese people make germ-free mice gain fat.",
        "Statins lower vascular events even in people at low risk.",
        "Slow-wave sleep improves recall of word pairs learned before sleeping.",
        "kelch13 mutations cause slow parasite clearance after artesunate.",
    ];

    /// <summary>Other texts of many kinds: short and long, technical and plain, with numbers, code and accents.</summary>
    public static readonly string[] Others =
    [
        "",
        "ok",
        "a",
        "What is the capital of Australia?",
        "how do i reset my password",
        "Invoices are due within thirty days of the date of issue.",
        "The quick brown fox jumps over the lazy dog.",
        "Café au lait, naïve résumé, Ångström and Müller",
        "It costs $5 + 3 = 8 dollars; a<b>c | x ~ y ^ z, email me@example.com #1",
        "public static int Add(int a, int b) => a + b;",
        "SELECT id, name FROM documents WHERE status = 'completed' ORDER BY created_at DESC LIMIT 20;",
        "Quarterly report\nRevenue:\tup 4%\r\nCosts:\tdown\n\nnote\nbook",
        "2024-03-17T08:15:00Z 192.168.0.1 GET /v1/documents 200 13ms",
        "The patient presented with fever, cough and shortness of breath for three days.",
        "Photosynthesis converts light energy into chemical energy stored in glucose.",
        "The court held that the contract was void because one party lacked capacity.",
        "Interest rates rose for the third consecutive quarter as inflation stayed above target.",
        "Mitochondria are the site of oxidative phosphorylation in eukaryotic cells.",
        "Please upload the signed form before Friday so we can process your application.",
        "BRCA1 mutation carriers have an elevated lifetime risk of breast and ovarian cancer.",
        "The novel follows three generations of a family living on a small island in the north.",
        "Deep learning models require large datasets and significant computational resources to train.",
        "Rain is expected tomorrow afternoon, with strong winds along the coast.",
        "ERROR: connection refused (ECONNREFUSED) while contacting the database at port 5432",
        "The committee approved the budget after a long debate about the cost of the new bridge.",
        "Regular physical activity is associated with lower all-cause mortality in adults.",
        MiniLmTexts.Chunk,
        MiniLmTexts.Long,
    ];

    /// <summary>Every text of the gate.</summary>
    public static string[] All => [.. Queries, .. Passages, .. Others];
}
